import { type Sandbox, type SandboxOptions, startSandbox } from '../../../local/sandbox'

/** A response read once: status, headers and the parsed JSON body (undefined when empty). */
export interface Answer<T = Record<string, unknown>> {
  status: number
  headers: Headers
  body: T
}

export function start(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ port: 0, ...options })
}

async function read<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
  }
}

/** POST /auth with the sandbox account; returns the X-Auth-Token. */
export async function login(sandbox: Sandbox, method: 'GET' | 'POST' = 'POST'): Promise<string> {
  const response = await fetch(`${sandbox.url}/auth`, {
    method,
    headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
  })
  const token = response.headers.get('x-auth-token')
  if (response.status !== 204 || !token) throw new Error(`login failed with ${response.status}`)
  return token
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** Calls the API with a token; `path` is relative to the base URL (/v1.0). */
export interface Api {
  <T = Record<string, unknown>>(
    method: Method,
    path: string,
    body?: unknown,
    init?: RequestInit,
  ): Promise<Answer<T>>
  token: string
}

export function client(sandbox: Sandbox, token: string): Api {
  const call = async <T>(method: Method, path: string, body?: unknown, init: RequestInit = {}) => {
    const headers: Record<string, string> = { 'X-Auth-Token': token }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      ...init,
    })
    return read<T>(response)
  }
  return Object.assign(call, { token }) as Api
}

/** Starts a sandbox and logs in. */
export async function startWithClient(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; api: Api }> {
  const sandbox = await start(options)
  const api = client(sandbox, await login(sandbox))
  return { sandbox, api }
}

/** Calls an admin route (no token). */
export async function adminCall<T = Record<string, unknown>>(
  sandbox: Sandbox,
  method: Method,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const response = await fetch(`${sandbox.origin}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return read<T>(response)
}

/** Offer state fields as answered inside {"offer_state": {...}}. */
export interface OfferStateWire {
  offer_state_id: number
  id?: number
  offer_id: number
  member_id: number | null
  status: string
  credential_identifier: string
  token: string
  external_ref_id: string | null
  activates_at: string | null
  expires_at: string | null
  campaign_xid: string
  redeemed_at: string | null
  voided_at: string | null
  [key: string]: unknown
}

export interface CredentialWire {
  id: number
  identifier: string
  member_id: number
  offer_ids: number[]
  status: string
  redeemed_at: string | null
  voided_at: string | null
  [key: string]: unknown
}

/** Issues an offer state through the high-throughput endpoint; returns the 201 `offer_state`. */
export async function issue(
  api: Api,
  fields: Record<string, unknown>,
): Promise<{ id: number; member_id: number; credential_identifier: string; [key: string]: unknown }> {
  const answer = await api<{ offer_state: { id: number; member_id: number; credential_identifier: string } }>(
    'POST',
    '/members/offer_states/issue',
    { offer_state: fields },
  )
  if (answer.status !== 201)
    throw new Error(`issue answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return answer.body.offer_state
}
