import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeWebhookSecret, signWebhook } from '../../lib/webhooks'
import { mintStaffToken } from '../../local/runtime'
import { type LocalSystem, startLocalSystem } from '../../local/system'

/**
 * Hostile input against the local HTTP API over real HTTP: the POS webhook (POST /pos/redemptions), the staff API
 * (/staff/.../void) and the `$default` route (any other method or path). Every case is one row of a table below; each
 * must get a 4xx in the shape of whoever refused it:
 * - `problem`: a function (the webhook, the staff API, or routeNotFound behind `$default`), RFC 7807
 *   application/problem+json;
 * - `gateway`: API Gateway itself, before any function (JWT authorizer: 401 / 403 scope; payload over 10 MB: 413):
 *   application/json `{"message"}`, with `www-authenticate: Bearer` on a 401, as API Gateway answers;
 * - `http`: the HTTP server refused a request that is not valid HTTP (raw CR/LF or NUL in a header) before any
 *   routing, with an empty body.
 * No answer may carry a stack trace, a file path or a secret, no case may get a 5xx, and no invalid case may cause
 * a single Sparkfly call (the sandbox counts them).
 */

type Shape = 'problem' | 'gateway' | 'http'

interface Case {
  name: string
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** A request written byte for byte on a socket (what fetch and node:http refuse to send). */
  raw?: string
  status: number
  shape: Shape
  /** Syntactically valid input, looked up for real: Sparkfly may be asked. */
  reachesSparkfly?: boolean
  /** Send the body in these pieces with `Transfer-Encoding: chunked`. */
  chunks?: Array<string | Buffer>
}

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

let system: LocalSystem
let api: URL
let staffToken: string
const fixtures = { redeemedCode: '', voidedOfferStateId: '', voidedMemberId: '', webhookId: '', staffKey: '' }

beforeAll(async () => {
  system = await startLocalSystem({
    importModule: (path) => import(path),
    disableSchedules: true,
    endpointsFile: null,
    env: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
  })
  api = new URL(system.httpApi.url)
  staffToken = system.staffToken

  // given one offer redeemed through the webhook and one voided through the staff API with an Idempotency-Key,
  // so that replays of those requests with another body can be tried
  const member = system.sandbox.fixtures.members[0]!
  const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs')
  const sqs = new SQSClient({ region: system.aws.region, endpoint: system.aws.endpoints.sqs })
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: system.aws.queues.loyaltyEvents,
      MessageBody: JSON.stringify({
        specversion: '1.0',
        id: `hostile-${randomUUID()}`,
        source: 'urn:loyalty:test',
        type: 'loyalty.tier.upgraded',
        data: { member: { id: member.id } },
      }),
    }),
  )
  sqs.destroy()
  await system.idle()
  const [first, second] = system.sandbox.admin.offerStates().filter((o) => o.member_id === member.id)
  if (!first || !second) throw new Error('issuance did not issue the two tier offers')

  fixtures.webhookId = `msg_setup_${randomUUID()}`
  fixtures.redeemedCode = first.credential_identifier
  const redeemed = await send(
    webhook({ code: fixtures.redeemedCode, transactionId: 'T-setup-1' }, {}, fixtures.webhookId),
  )
  expect(redeemed.status).toBe(200)

  fixtures.staffKey = `setup-${randomUUID()}`
  fixtures.voidedOfferStateId = String(second.offer_state_id)
  fixtures.voidedMemberId = String(member.id)
  const voided = await send(
    staff(`/staff/offer-states/${fixtures.voidedOfferStateId}/void`, {
      body: JSON.stringify({ memberId: member.id, reason: 'setup void' }),
      headers: { 'idempotency-key': fixtures.staffKey },
    }),
  )
  expect(voided.status).toBe(200)
}, 60_000)
afterAll(() => system?.stop())

// Requests ----------------------------------------------------------------------------------------------------------

/** Sends a case over a fresh connection, exactly as written (no path normalisation). */
function send(c: Pick<Case, 'method' | 'path' | 'headers' | 'body' | 'raw' | 'chunks'>): Promise<Answer> {
  if (c.raw !== undefined) return sendRaw(c.raw)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: api.hostname,
        port: api.port,
        method: c.method ?? 'POST',
        path: c.path,
        headers: { connection: 'close', ...c.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    req.on('error', reject)
    if (c.chunks) {
      for (const chunk of c.chunks) req.write(chunk)
      req.end()
    } else req.end(c.body)
  })
}

/** Writes a raw HTTP/1.1 request on a socket and parses the answer's status line, headers and body. */
function sendRaw(raw: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(api.port), api.hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head = '', ...rest] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const at = line.indexOf(':')
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n') })
    })
    socket.write(raw)
  })
}

const now = () => Math.floor(Date.now() / 1000)
const validRedemption = () => ({ code: 'ZZNOPE0000', transactionId: `T-${randomUUID()}` })

/** A webhook request signed with the local secret; `override` replaces headers after signing. */
function webhook(
  body: unknown,
  override: Record<string, string | undefined> = {},
  id = `msg_${randomUUID()}`,
  options: { timestamp?: number; signedBody?: string; contentType?: string } = {},
): Pick<Case, 'path' | 'headers' | 'body'> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const timestamp = options.timestamp ?? now()
  const signature = signWebhook({
    secret: system.webhookSecret,
    id,
    timestamp,
    body: options.signedBody ?? text,
  })
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  }
  for (const [name, value] of Object.entries(override)) {
    if (value === undefined) delete headers[name]
    else headers[name] = value
  }
  return { path: '/pos/redemptions', headers, body: text }
}

/** A staff request with the valid staff token unless `authorization` is given (null: no header). */
function staff(
  path: string,
  options: { body?: string | Buffer; headers?: Record<string, string>; authorization?: string | null } = {},
): Pick<Case, 'path' | 'headers' | 'body'> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers }
  if (options.authorization !== null) headers.authorization = options.authorization ?? `Bearer ${staffToken}`
  return { path, headers, body: options.body ?? JSON.stringify({ reason: 'hostile test', memberId: 1 }) }
}

// The corpus --------------------------------------------------------------------------------------------------------

const STAFF_ROUTES = [
  { route: 'offer-states', path: '/staff/offer-states/123/void', body: { memberId: 1, reason: 'fraud' } },
  { route: 'credentials', path: '/staff/credentials/123/void', body: { reason: 'fraud' } },
  { route: 'codes', path: '/staff/codes/NOPE123/void', body: { reason: 'fraud' } },
] as const

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

async function forgedTokens(): Promise<Array<{ name: string; authorization: string | null }>> {
  const iat = now()
  const claims = {
    sub: 'attacker',
    iss: system.httpApi.authorizers.staffJwt?.issuer,
    aud: system.httpApi.authorizers.staffJwt?.audience[0],
    iat,
    exp: iat + 600,
  }
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
  const hsKey = new TextEncoder().encode(JSON.stringify(await system.httpApi.jwks()))
  const [header, payload, signature] = staffToken.split('.') as [string, string, string]
  const tampered = `${header}.${b64url({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' })}.${signature}`
  return [
    { name: 'no Authorization header', authorization: null },
    { name: 'empty bearer', authorization: 'Bearer ' },
    { name: 'Basic credentials', authorization: 'Basic YWRtaW46YWRtaW4=' },
    { name: 'garbage token', authorization: 'Bearer not-a-jwt' },
    { name: 'three garbage parts', authorization: 'Bearer aaa.bbb.ccc' },
    { name: 'alg none', authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.` },
    {
      name: 'HS256 with the public JWKS as secret',
      authorization: `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(hsKey)}`,
    },
    {
      name: 'signed by another key',
      authorization: `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(otherKey)}`,
    },
    { name: 'payload tampered after signing', authorization: `Bearer ${tampered}` },
    { name: 'expired', authorization: `Bearer ${await mintStaffToken({ sub: 'staff-1', expiresIn: -120 })}` },
    {
      name: 'wrong audience',
      authorization: `Bearer ${await mintStaffToken({ sub: 'staff-1', audience: 'another-api' })}`,
    },
    {
      name: 'wrong issuer',
      authorization: `Bearer ${await mintStaffToken({ sub: 'staff-1', issuer: 'https://evil.example/' })}`,
    },
    {
      name: 'not valid before an hour from now',
      authorization: `Bearer ${await mintStaffToken({ sub: 'staff-1', claims: { nbf: iat + 3600 } })}`,
    },
    { name: 'token twice', authorization: `Bearer ${staffToken} ${staffToken}` },
    { name: '8 KB of garbage', authorization: `Bearer ${'A'.repeat(8_000)}` },
  ]
}

async function corpus(): Promise<Case[]> {
  const cases: Case[] = []
  const add = (c: Case) => cases.push(c)

  // Staff API: authentication (the authorizer answers, the function never runs) ----------------------------------
  for (const token of await forgedTokens()) {
    for (const route of STAFF_ROUTES) {
      add({
        name: `staff ${route.route}: ${token.name}`,
        ...staff(route.path, { body: JSON.stringify(route.body), authorization: token.authorization }),
        status: 401,
        shape: 'gateway',
      })
    }
  }
  for (const [name, sub] of [
    ['empty sub', ''],
    ['blank sub', '   '],
  ] as const) {
    const token = await mintStaffToken({ sub })
    for (const route of STAFF_ROUTES) {
      add({
        name: `staff ${route.route}: verified token with ${name} (function's own check)`,
        ...staff(route.path, { body: JSON.stringify(route.body), authorization: `Bearer ${token}` }),
        status: 401,
        shape: 'problem',
      })
    }
  }
  add({
    name: 'staff: token in the query string instead of the header',
    ...staff(`/staff/credentials/123/void?access_token=${staffToken}`, { authorization: null }),
    status: 401,
    shape: 'gateway',
  })
  add({
    name: 'staff: token in a cookie instead of the header',
    ...staff('/staff/credentials/123/void', {
      authorization: null,
      headers: { cookie: `token=${staffToken}` },
    }),
    status: 401,
    shape: 'gateway',
  })

  // Staff API: path parameters -----------------------------------------------------------------------------------
  const badIds: Array<[string, string]> = [
    ['letters', 'abc'],
    ['negative', '-1'],
    ['zero', '0'],
    ['decimal', '1.5'],
    ['exponent', '1e3'],
    ['hex', '0x1F'],
    ['beyond 2^53', '99999999999999999999'],
    ['encoded dots', '%2e%2e'],
    ['encoded traversal', '..%2f..%2fadmin'],
    ['encoded slash', '1%2F2'],
    ['NUL', '1%00'],
    ['Arabic-Indic digits', '%D9%A1%D9%A2%D9%A3'],
    ['RTL override', '%E2%80%AE321'],
    ['emoji', '%F0%9F%98%80'],
    ['10,000 digits', '9'.repeat(10_000)],
    ['space padded', '%20123%20x'],
    ['SQL', "1'%20OR%20'1'='1"],
    ['JSON', '%7B%22%24gt%22%3A0%7D'],
  ]
  for (const [name, id] of badIds) {
    add({
      name: `offer-states id ${name}`,
      ...staff(`/staff/offer-states/${id}/void`),
      status: 400,
      shape: 'problem',
    })
    add({
      name: `credentials id ${name}`,
      ...staff(`/staff/credentials/${id}/void`, { body: JSON.stringify({ reason: 'x' }) }),
      status: 400,
      shape: 'problem',
    })
  }
  const badCodes: Array<[string, string]> = [
    ['space', 'AB%20CD'],
    ['NUL', 'AB%00CD'],
    ['CR LF', 'AB%0D%0ASet-Cookie:x'],
    ['tab', 'AB%09CD'],
    ['non-ASCII letters', '%C3%84%C3%96%C3%9C'],
    ['RTL override', '%E2%80%AEDCBA'],
    ['emoji', '%F0%9F%8E%81'],
    ['zero-width space', 'AB%E2%80%8BCD'],
    ['129 characters', 'A'.repeat(129)],
    ['10,000 characters', 'C'.repeat(10_000)],
    ['invalid percent-encoding of a space', '%20%20'],
  ]
  for (const [name, code] of badCodes) {
    add({
      name: `code ${name}`,
      ...staff(`/staff/codes/${code}/void`, { body: JSON.stringify({ reason: 'x' }) }),
      status: 400,
      shape: 'problem',
    })
  }
  // A code has the webhook's characters ([A-Za-z0-9_-], docs/voiding.md): anything else is a 400, never a lookup.
  for (const [name, code] of [
    ['encoded dot-dot', '%2e%2e'],
    ['encoded traversal to /auth', '..%2F..%2Fauth'],
    ['encoded traversal', '..%2F..%2Fadmin'],
    ['script tag', '%3Cscript%3E'],
    ['query smuggled in', 'K7Q2%3Fcredential_identifier%3DX'],
    ['ampersand', 'K7Q2%26member_id%3D1'],
    ['dot', 'K7Q2.json'],
  ] as const) {
    add({
      name: `code ${name}`,
      ...staff(`/staff/codes/${code}/void`, { body: JSON.stringify({ reason: 'x' }) }),
      status: 400,
      shape: 'problem',
    })
  }
  // A valid code that does not exist is looked up (Sparkfly's search, with the code as a query value).
  add({
    name: 'code valid characters, unknown code',
    ...staff('/staff/codes/ZZ_unknown-42/void', { body: JSON.stringify({ reason: 'x' }) }),
    status: 404,
    shape: 'problem',
    reachesSparkfly: true,
  })
  for (const path of [
    '/staff/offer-states/../credentials/1/void',
    '/staff/offer-states/1/void/../../../pos/redemptions',
    '/staff/codes//void',
    '/staff/credentials/1/void/extra',
    '/staff/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/staff/offer-states/1/void%00',
  ]) {
    add({ name: `no such route: ${path}`, ...staff(path), status: 404, shape: 'problem' })
  }
  add({
    name: 'GET on a POST route',
    method: 'GET',
    ...staff('/staff/credentials/1/void'),
    body: undefined,
    status: 405,
    shape: 'problem',
  })

  // Staff API: bodies --------------------------------------------------------------------------------------------
  const os = '/staff/offer-states/123/void'
  const badBodies: Array<[string, string]> = [
    ['not JSON', '{"reason":'],
    ['empty', ''],
    ['null', 'null'],
    ['array', '[{"reason":"x","memberId":1}]'],
    ['string', '"void it"'],
    ['number', '42'],
    ['no reason', '{"memberId":1}'],
    ['empty reason', '{"memberId":1,"reason":""}'],
    ['blank reason', '{"memberId":1,"reason":"   \\t\\n"}'],
    ['501-character reason', JSON.stringify({ memberId: 1, reason: 'r'.repeat(501) })],
    ['reason a number', '{"memberId":1,"reason":12}'],
    ['reason an object', '{"memberId":1,"reason":{"$ne":null}}'],
    ['reason null', '{"memberId":1,"reason":null}'],
    ['no member', '{"reason":"x"}'],
    ['both member fields', '{"memberId":1,"memberIdentifier":"ext-1","reason":"x"}'],
    ['memberId letters', '{"memberId":"abc","reason":"x"}'],
    ['memberId negative', '{"memberId":-1,"reason":"x"}'],
    ['memberId decimal', '{"memberId":1.5,"reason":"x"}'],
    ['memberId huge', '{"memberId":1e309,"reason":"x"}'],
    ['memberId boolean', '{"memberId":true,"reason":"x"}'],
    ['memberIdentifier empty', '{"memberIdentifier":"","reason":"x"}'],
    ['memberIdentifier 256 characters', JSON.stringify({ memberIdentifier: 'm'.repeat(256), reason: 'x' })],
    ['unknown field', '{"memberId":1,"reason":"x","force":true}'],
    ['__proto__', '{"memberId":1,"reason":"x","__proto__":{"isAdmin":true}}'],
    ['constructor', '{"memberId":1,"reason":"x","constructor":{"prototype":{"isAdmin":true}}}'],
    ['5,000 levels of nesting', `${'['.repeat(5_000)}${']'.repeat(5_000)}`],
    ['byte order mark', '\uFEFF{"memberId":1,"reason":"x"}'],
  ]
  for (const [name, body] of badBodies) {
    add({ name: `staff body ${name}`, ...staff(os, { body }), status: 400, shape: 'problem' })
  }
  add({
    name: 'staff body invalid UTF-8',
    ...staff(os, { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
    status: 400,
    shape: 'problem',
  })
  for (const contentType of [
    'text/plain',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
  ]) {
    add({
      name: `staff content-type ${contentType}`,
      ...staff(os, { headers: { 'content-type': contentType } }),
      status: 415,
      shape: 'problem',
    })
  }
  add({
    name: 'staff body of 1 MB',
    ...staff(os, { body: JSON.stringify({ memberId: 1, reason: 'x', pad: 'p'.repeat(1_048_576) }) }),
    status: 413,
    shape: 'problem',
  })
  add({
    name: 'staff body of 11 MB (API Gateway limit)',
    ...staff(os, { body: Buffer.alloc(11 * 1024 * 1024, 0x20) }),
    status: 413,
    shape: 'gateway',
  })

  // Staff API: Idempotency-Key --------------------------------------------------------------------------------------
  const voidedPath = () => `/staff/offer-states/${fixtures.voidedOfferStateId}/void`
  const voidedBody = (reason: string) => JSON.stringify({ memberId: Number(fixtures.voidedMemberId), reason })
  for (const [name, key] of [
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['Latin-1', 'cl\u00e9'],
    ['tab inside', 'a\tb'],
  ] as const) {
    add({
      name: `Idempotency-Key ${name}`,
      ...staff(voidedPath(), { body: voidedBody('setup void'), headers: { 'idempotency-key': key } }),
      status: 400,
      shape: 'problem',
    })
  }
  add({
    name: 'Idempotency-Key reused with another reason',
    ...staff(voidedPath(), {
      body: voidedBody('another reason'),
      headers: { 'idempotency-key': fixtures.staffKey },
    }),
    status: 422,
    shape: 'problem',
  })
  add({
    name: 'Idempotency-Key reused with another offer',
    ...staff('/staff/offer-states/999999/void', {
      body: voidedBody('setup void'),
      headers: { 'idempotency-key': fixtures.staffKey },
    }),
    status: 422,
    shape: 'problem',
  })
  add({
    name: 'Idempotency-Key reused by another staff member (their own key space: the offer is already voided)',
    ...staff(voidedPath(), {
      body: voidedBody('setup void'),
      headers: { 'idempotency-key': fixtures.staffKey },
      authorization: `Bearer ${await mintStaffToken({ sub: 'someone-else' })}`,
    }),
    status: 409,
    shape: 'problem',
  })

  // Header injection on the wire (fetch and node:http refuse CR/LF in header values) -------------------------------
  const host = `${api.hostname}:${api.port}`
  const rawStaff = (extraHeaders: string, body = voidedBody('x')) =>
    `POST ${voidedPath()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${staffToken}\r\nContent-Type: application/json\r\n${extraHeaders}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  add({
    name: 'Idempotency-Key followed by an injected header line (CRLF)',
    path: '',
    raw: rawStaff('Idempotency-Key: a\r\nX-Injected: 1\r\n'),
    status: 409,
    shape: 'problem',
  })
  add({
    name: 'bare LF inside a header value',
    path: '',
    raw: rawStaff('Idempotency-Key: a\nb\r\n'),
    status: 400,
    shape: 'http',
  })
  add({
    name: 'bare CR inside a header value',
    path: '',
    raw: rawStaff('Idempotency-Key: a\rb\r\n'),
    status: 400,
    shape: 'http',
  })
  add({
    name: 'NUL inside a header value',
    path: '',
    raw: rawStaff('Idempotency-Key: a\u0000b\r\n'),
    status: 400,
    shape: 'http',
  })
  add({
    name: 'Authorization folded onto two lines (obs-fold)',
    path: '',
    raw: `POST ${voidedPath()} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer\r\n ${staffToken}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    status: 400,
    shape: 'http',
  })

  // Webhook: signatures ----------------------------------------------------------------------------------------------
  const otherSecret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`
  const key = decodeWebhookSecret(system.webhookSecret)
  const body = validRedemption()
  const text = JSON.stringify(body)
  const sig = (id: string, ts: number | string, b: string, secret: string | Buffer = system.webhookSecret) =>
    signWebhook({ secret, id, timestamp: ts, body: b })
  const sigCases: Array<
    [string, Record<string, string | undefined>, { timestamp?: number; signedBody?: string }?]
  > = [
    [
      'no signature headers',
      { 'webhook-id': undefined, 'webhook-timestamp': undefined, 'webhook-signature': undefined },
    ],
    ['no webhook-id', { 'webhook-id': undefined }],
    ['no webhook-timestamp', { 'webhook-timestamp': undefined }],
    ['no webhook-signature', { 'webhook-signature': undefined }],
    ['empty signature', { 'webhook-signature': '' }],
    ['v1 with nothing', { 'webhook-signature': 'v1,' }],
    ['v1 not base64', { 'webhook-signature': 'v1,!!!not-base64!!!' }],
    ['version v2 only', { 'webhook-signature': sig('msg_x', now(), text).replace(/^v1,/, 'v2,') }],
    ['v1a prefix', { 'webhook-signature': sig('msg_x', now(), text).replace(/^v1,/, 'v1a,') }],
    [
      'hex instead of base64',
      {
        'webhook-signature': `v1,${Buffer.from(sig('msg_x', now(), text).slice(3), 'base64').toString('hex')}`,
      },
    ],
    ['signed with another secret', { 'webhook-signature': sig('msg_x', now(), text, otherSecret) }],
    [
      'signed with the whsec_ string as the key',
      { 'webhook-signature': sig('msg_x', now(), text, Buffer.from(system.webhookSecret)) },
    ],
    [
      'nine signatures (over the limit), all wrong',
      {
        'webhook-signature': Array.from(
          { length: 9 },
          () => `v1,${Buffer.alloc(32).toString('base64')}`,
        ).join(' '),
      },
    ],
    ['signature header over 1 KB', { 'webhook-signature': `v1,${'A'.repeat(2_000)}` }],
    ['timestamp not a number', { 'webhook-timestamp': 'yesterday' }],
    ['timestamp in milliseconds', { 'webhook-timestamp': String(Date.now()) }],
    ['timestamp negative', { 'webhook-timestamp': '-1' }],
    ['timestamp with decimals', { 'webhook-timestamp': `${now()}.5` }],
    ['timestamp exponent', { 'webhook-timestamp': '1.7e9' }],
    ['timestamp 30 digits', { 'webhook-timestamp': '9'.repeat(30) }],
    ['timestamp empty', { 'webhook-timestamp': '' }],
    ['webhook-id empty', { 'webhook-id': '' }],
    ['webhook-id of 8,000 characters', { 'webhook-id': 'i'.repeat(8_000) }],
    ['webhook-id Latin-1', { 'webhook-id': 'msg_\u00e9\u00e8' }],
    ['stale timestamp, correctly signed', {}, { timestamp: now() - 420 }],
    ['future timestamp, correctly signed', {}, { timestamp: now() + 420 }],
    ['year-2000 timestamp, correctly signed', {}, { timestamp: 946_684_800 }],
    [
      'signature of another body (replayed with a different body)',
      {},
      { signedBody: JSON.stringify({ ...body, code: 'OTHER' }) },
    ],
    ['signature of the body plus a newline', {}, { signedBody: `${text}\n` }],
  ]
  for (const [name, override, options] of sigCases) {
    add({
      name: `webhook ${name}`,
      ...webhook(body, override, undefined, options ?? {}),
      status: 401,
      shape: 'problem',
    })
  }
  {
    const id = `msg_${randomUUID()}`
    const ts = now()
    add({
      name: 'webhook signed for another webhook-id',
      ...webhook(
        body,
        { 'webhook-signature': sig(`${id}-other`, ts, text), 'webhook-timestamp': String(ts) },
        id,
      ),
      status: 401,
      shape: 'problem',
    })
    add({
      name: 'webhook signed for another timestamp',
      ...webhook(body, { 'webhook-signature': sig(id, ts - 1, text), 'webhook-timestamp': String(ts) }, id),
      status: 401,
      shape: 'problem',
    })
    add({
      name: 'webhook signed with the raw key bytes in hex as the secret',
      ...webhook(
        body,
        {
          'webhook-signature': sig(id, ts, text, Buffer.from(key.toString('hex'))),
          'webhook-timestamp': String(ts),
        },
        id,
      ),
      status: 401,
      shape: 'problem',
    })
  }

  // Webhook: bodies (correctly signed, so only the body is wrong) ---------------------------------------------------
  const badRedemptions: Array<[string, unknown]> = [
    ['not JSON', '{"code":'],
    ['empty', ''],
    ['null', 'null'],
    ['array', '[]'],
    ['string', '"redeem"'],
    ['no code', { transactionId: 'T-1' }],
    ['no transactionId', { code: 'ABC123' }],
    ['code a number', { code: 123456, transactionId: 'T-1' }],
    ['code empty', { code: '', transactionId: 'T-1' }],
    ['code 65 characters', { code: 'A'.repeat(65), transactionId: 'T-1' }],
    ['code 10,000 characters', { code: 'B'.repeat(10_000), transactionId: 'T-1' }],
    ['code with NUL', { code: 'AB\u0000CD', transactionId: 'T-1' }],
    ['code with RTL override', { code: '\u202eDCBA', transactionId: 'T-1' }],
    ['code with emoji', { code: 'GIFT\u{1F381}', transactionId: 'T-1' }],
    ['code with zero-width joiner', { code: 'AB\u200dCD', transactionId: 'T-1' }],
    ['code with spaces', { code: 'AB CD', transactionId: 'T-1' }],
    ['code path traversal', { code: '../../etc/passwd', transactionId: 'T-1' }],
    ['code URL-encoded traversal', { code: '%2e%2e%2f', transactionId: 'T-1' }],
    ['code with CRLF', { code: 'AB\r\nX-Injected: 1', transactionId: 'T-1' }],
    ['code an object', { code: { $ne: null }, transactionId: 'T-1' }],
    ['code an array', { code: ['A', 'B'], transactionId: 'T-1' }],
    ['transactionId 129 characters', { code: 'ABC123', transactionId: 'T'.repeat(129) }],
    ['transactionId with a slash', { code: 'ABC123', transactionId: 'T/../1' }],
    ['storeId negative', { code: 'ABC123', transactionId: 'T-1', storeId: -1 }],
    ['storeId decimal', { code: 'ABC123', transactionId: 'T-1', storeId: 1.5 }],
    ['memberId letters', { code: 'ABC123', transactionId: 'T-1', memberId: 'abc' }],
    ['memberId zero', { code: 'ABC123', transactionId: 'T-1', memberId: 0 }],
    ['memberId beyond 2^53', { code: 'ABC123', transactionId: 'T-1', memberId: 2 ** 60 }],
    ['redeemedAt not a date', { code: 'ABC123', transactionId: 'T-1', redeemedAt: 'yesterday' }],
    [
      'redeemedAt without a zone',
      { code: 'ABC123', transactionId: 'T-1', redeemedAt: '2026-01-01T10:00:00' },
    ],
    [
      'redeemedAt a year ahead',
      {
        code: 'ABC123',
        transactionId: 'T-1',
        redeemedAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      },
    ],
    ['unknown field', { code: 'ABC123', transactionId: 'T-1', amount: 100 }],
    ['__proto__', '{"code":"ABC123","transactionId":"T-1","__proto__":{"admin":true}}'],
    ['5,000 levels of nesting', `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`],
  ]
  for (const [name, b] of badRedemptions) {
    add({ name: `webhook body ${name}`, ...webhook(b), status: 400, shape: 'problem' })
  }
  for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
    add({
      name: `webhook content-type ${contentType}`,
      ...webhook(body, {}, undefined, { contentType }),
      status: 415,
      shape: 'problem',
    })
  }
  add({
    name: 'webhook body of 1 MB, correctly signed',
    ...webhook({ ...body, pad: 'p'.repeat(1_048_576) }),
    status: 413,
    shape: 'problem',
  })
  add({
    name: 'webhook body of 1 MB, unsigned',
    ...webhook({ pad: 'p'.repeat(1_048_576) }, { 'webhook-signature': undefined }),
    status: 413,
    shape: 'problem',
  })
  add({
    name: 'webhook body of 11 MB (API Gateway limit)',
    path: '/pos/redemptions',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(11 * 1024 * 1024, 0x20),
    status: 413,
    shape: 'gateway',
  })
  add({
    name: 'webhook replay: same webhook-id, another body, freshly signed',
    ...webhook({ code: fixtures.redeemedCode, transactionId: 'T-setup-2' }, {}, fixtures.webhookId),
    status: 422,
    shape: 'problem',
  })
  add({ name: 'webhook GET', method: 'GET', path: '/pos/redemptions', status: 405, shape: 'problem' })
  add({
    name: 'webhook path with traversal',
    ...webhook(body),
    path: '/pos/redemptions/../../staff/codes/X/void',
    status: 404,
    shape: 'problem',
  })
  {
    const id = `msg_${randomUUID()}`
    const ts = now()
    const good = sig(id, ts, text)
    add({
      name: 'webhook header injection: a second signature line smuggled with CRLF',
      path: '',
      raw: `POST /pos/redemptions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nwebhook-id: ${id}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: v1,AAAA\r\nwebhook-signature: ${good.replace('v1,', 'v1,x')}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      status: 401,
      shape: 'problem',
    })
    add({
      name: 'webhook bare LF in webhook-id',
      path: '',
      raw: `POST /pos/redemptions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nwebhook-id: ${id}\nX-Evil: 1\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${good}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      status: 400,
      shape: 'http',
    })
  }
  for (const c of await hardeningCases(host)) add(c)
  return cases
}

// Checks ------------------------------------------------------------------------------------------------------------

function secretsOf(): string[] {
  const key = decodeWebhookSecret(system.webhookSecret)
  return [
    system.webhookSecret,
    system.webhookSecret.slice('whsec_'.length),
    key.toString('base64'),
    key.toString('hex'),
    staffToken,
    system.sandbox.account.identity,
    system.sandbox.account.key,
  ]
}

const sparkflyCalls = () => Object.values(system.sandbox.admin.counters()).reduce((a, b) => a + b, 0)

/** What is wrong with one answer, or [] when it is as the table says. */
function problemsWith(c: Case, answer: Answer, secrets: string[]): string[] {
  const problems: string[] = []
  const contentType = String(answer.headers['content-type'] ?? '')
  if (answer.status !== c.status) problems.push(`status ${answer.status}, expected ${c.status}`)
  if (answer.status >= 500 || answer.status < 400) problems.push(`not a 4xx: ${answer.status}`)
  if (c.shape === 'problem' && c.method === 'HEAD') {
    if (!contentType.startsWith('application/problem+json')) problems.push(`content-type ${contentType}`)
    if (answer.body !== '') problems.push('a body in the answer to HEAD')
  } else if (c.shape === 'problem') {
    if (!contentType.startsWith('application/problem+json')) problems.push(`content-type ${contentType}`)
    try {
      const doc = JSON.parse(answer.body) as Record<string, unknown>
      if (doc.status !== answer.status || typeof doc.title !== 'string' || typeof doc.detail !== 'string') {
        problems.push('not an RFC 7807 document')
      }
    } catch {
      problems.push('body is not JSON')
    }
  } else if (c.shape === 'gateway') {
    if (!contentType.startsWith('application/json')) problems.push(`content-type ${contentType}`)
    try {
      const doc = JSON.parse(answer.body) as Record<string, unknown>
      if (Object.keys(doc).join() !== 'message' || typeof doc.message !== 'string')
        problems.push('not {"message"}')
    } catch {
      problems.push('body is not JSON')
    }
    if (answer.status === 401 && !String(answer.headers['www-authenticate'] ?? '').startsWith('Bearer')) {
      problems.push('401 without www-authenticate: Bearer')
    }
  } else if (answer.body.trim() !== '') {
    problems.push('the HTTP server answered with a body')
  }
  if (/\n\s+at\s|\bat .+:\d+:\d+/.test(answer.body)) problems.push('stack trace in the body')
  if (/\/work\/|node_modules|\.ts\b|file:\/\/|[A-Z]:\\\\/.test(answer.body))
    problems.push('file path in the body')
  for (const secret of secrets) {
    if (answer.body.includes(secret) || JSON.stringify(answer.headers).includes(secret)) {
      problems.push('a secret in the answer')
    }
  }
  return problems
}

describe('hostile input against the webhook and the staff API', () => {
  it('answers every hostile request with a 4xx in the documented shape, leaks nothing and never calls Sparkfly', async () => {
    const cases = await corpus()
    const secrets = secretsOf()
    console.log(`hostile corpus: ${cases.length} requests`)
    expect(cases.length).toBeGreaterThanOrEqual(400)

    const failures: string[] = []
    const statuses = new Map<number, number>()
    let serverErrors = 0
    let invalidCalls = 0
    for (const c of cases) {
      const before = sparkflyCalls()
      const answer = await send(c)
      const called = sparkflyCalls() - before
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      if (answer.status >= 500) serverErrors += 1
      const problems = problemsWith(c, answer, secrets)
      if (called > 0 && !c.reachesSparkfly) {
        invalidCalls += called
        problems.push(`${called} Sparkfly calls`)
      }
      if (problems.length > 0)
        failures.push(`${c.name}: ${problems.join('; ')} -- ${answer.body.slice(0, 200)}`)
    }
    const sorted = [...statuses.entries()].sort(([a], [b]) => a - b)
    console.log(
      `hostile answers by status: ${JSON.stringify(Object.fromEntries(sorted))}; 5xx: ${serverErrors}; ` +
        `Sparkfly calls for invalid input: ${invalidCalls}`,
    )

    expect(failures).toEqual([])
    expect(serverErrors).toBe(0)
    expect(invalidCalls).toBe(0)
    // and the syntactically valid lookups went to Sparkfly's search with the code as a query value, not a path
    const searches = system.sandbox.admin.requests().filter((r) => r.operation === 'offerStates.query')
    for (const search of searches) expect(search.path).toMatch(/^\/v1\.0\/members\/offer_states\?/)
  }, 180_000)
})

// Issue 15's classes ------------------------------------------------------------------------------------------------

/** A webhook request over exact bytes, signed over `signed` (default: the bytes sent), with headers added. */
function signedBytes(
  bytes: Buffer,
  headers: Record<string, string> = {},
  options: { signed?: Buffer | string; id?: string } = {},
): Pick<Case, 'path' | 'headers' | 'body'> {
  const id = options.id ?? `msg_${randomUUID()}`
  const timestamp = now()
  return {
    path: '/pos/redemptions',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({
        secret: system.webhookSecret,
        id,
        timestamp,
        body: options.signed ?? bytes,
      }),
      ...headers,
    },
    body: bytes,
  }
}

const METHODS = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const

/** Other methods on the declared paths (405) and any method on paths no route has (404): the `$default` route. */
function methodCases(): Case[] {
  const cases: Case[] = []
  for (const path of ['/pos/redemptions', ...STAFF_ROUTES.map((r) => r.path)]) {
    for (const method of METHODS) {
      const body = method === 'GET' || method === 'HEAD' ? undefined : '{"reason":"x"}'
      const request = staff(path)
      cases.push({
        name: `${method} ${path}`,
        method,
        ...request,
        // node:http frames no body of DELETE / OPTIONS by itself
        headers: body ? { ...request.headers, 'content-length': String(body.length) } : request.headers,
        body,
        status: 405,
        shape: 'problem',
      })
    }
    cases.push({
      name: `CORS preflight on ${path}`,
      method: 'OPTIONS',
      path,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      status: 405,
      shape: 'problem',
    })
  }
  for (const path of ['/', '/pos', '/staff', '/pos/redemptions/1', '/admin', '/staff/codes/K7Q2']) {
    for (const method of ['POST', ...METHODS]) {
      cases.push({ name: `${method} ${path} (no route)`, method, path, status: 404, shape: 'problem' })
    }
  }
  return cases
}

/** Numbers that JSON.parse would silently round, duplicate keys, deep nesting: webhook (signed) and staff bodies. */
function strictJsonCases(): Case[] {
  const cases: Case[] = []
  const lossy = [
    ['a decimal beyond double precision', '123.0000000000000001'],
    ['2^53 + 1', '9007199254740993'],
    ['20 digits', '12345678901234567890'],
    ['an overflow to Infinity', '1e400'],
    ['an underflow to 0', '1e-400'],
    ['0.1 written out to 34 digits', '0.1000000000000000055511151231257827'],
  ]
  for (const [name, literal] of lossy) {
    cases.push({
      name: `webhook number ${name}`,
      ...webhook(`{"code":"ABC123","transactionId":"T-1","memberId":${literal}}`),
      status: 400,
      shape: 'problem',
    })
    cases.push({
      name: `staff number ${name}`,
      ...staff('/staff/offer-states/123/void', { body: `{"memberId":${literal},"reason":"x"}` }),
      status: 400,
      shape: 'problem',
    })
  }
  const duplicates = [
    [
      'code twice, the real one last',
      `{"code":"NOPE0000","code":"${fixtures.redeemedCode}","transactionId":"T-d1"}`,
    ],
    ['code twice, the same value', '{"code":"ABC123","code":"ABC123","transactionId":"T-d2"}'],
    ['transactionId twice', '{"code":"ABC123","transactionId":"T-1","transactionId":"T-2"}'],
    ['code twice, once escaped', '{"code":"NOPE0000","\\u0063ode":"ABC123","transactionId":"T-d3"}'],
    ['storeId twice', '{"code":"ABC123","transactionId":"T-1","storeId":"1","storeId":"2"}'],
    ['memberId twice', '{"code":"ABC123","transactionId":"T-1","memberId":1,"memberId":2}'],
  ]
  for (const [name, text] of duplicates) {
    cases.push({ name: `webhook duplicate key: ${name}`, ...webhook(text), status: 400, shape: 'problem' })
  }
  for (const [name, text] of [
    ['reason twice', '{"memberId":1,"reason":"a","reason":"b"}'],
    ['memberId twice', '{"memberId":1,"memberId":2,"reason":"x"}'],
    ['memberId then memberIdentifier', '{"memberId":1,"reason":"x","memberId":3}'],
    ['reason twice, once escaped', '{"memberId":1,"reason":"a","\\u0072eason":"b"}'],
    ['reason twice, same value', '{"memberId":1,"reason":"x","reason":"x"}'],
    ['memberIdentifier twice', '{"memberIdentifier":"a","memberIdentifier":"b","reason":"x"}'],
  ]) {
    cases.push({
      name: `staff duplicate key: ${name}`,
      ...staff('/staff/offer-states/123/void', { body: text }),
      status: 400,
      shape: 'problem',
    })
  }
  const nesting = (depth: number, kind: 'array' | 'object') =>
    kind === 'array'
      ? `{"code":"ABC123","transactionId":"T-1","x":${'['.repeat(depth)}${']'.repeat(depth)}}`
      : `{"code":"ABC123","transactionId":"T-1","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
  for (const depth of [17, 100, 1_000, 2_500]) {
    for (const kind of ['array', 'object'] as const) {
      cases.push({
        name: `webhook ${kind}s nested ${depth} deep`,
        ...webhook(nesting(depth, kind)),
        status: 400,
        shape: 'problem',
      })
      cases.push({
        name: `staff ${kind}s nested ${depth} deep`,
        ...staff('/staff/offer-states/123/void', { body: nesting(depth, kind) }),
        status: 400,
        shape: 'problem',
      })
    }
  }
  return cases
}

/** Codes that Unicode normalisation (NFKC / NFKD) or a homoglyph would make look like ASCII codes. */
const LOOK_ALIKE_CODES: Array<[string, string]> = [
  ['full-width letters', '\uFF2B\uFF37\uFF12\uFF21\uFF22\uFF23'],
  ['full-width K among ASCII', '\uFF2B7Q2M9XR'],
  ['the Kelvin sign', '\u212AW2ABC'],
  ['the Angstrom sign', '\u212BBC123'],
  ['the fi ligature', 'OFFER\uFB011'],
  ['a superscript two', 'KW\u00B2ABC'],
  ['a circled A', '\u24B6BC123'],
  ['a Roman numeral twelve', 'CODE\u216B'],
  ['a Cyrillic A', '\u0410BC123'],
  ['a Greek Alpha', '\u0391BC123'],
  ['a decomposed accent (NFD)', 'CAFE\u0301'],
  ['mathematical bold letters', '\u{1D400}\u{1D401}\u{1D402}123'],
  ['a dotless i', 'K\u0131Q2'],
  ['a long s', 'OFFER\u017F1'],
  ['a non-breaking hyphen', 'AB\u2011CD'],
  ['an en dash', 'AB\u2013CD'],
  ['a full-width hyphen-minus', 'AB\uFF0DCD'],
  ['a full-width low line', 'AB\uFF3FCD'],
]

function lookAlikeCases(): Case[] {
  return LOOK_ALIKE_CODES.flatMap(([name, code]): Case[] => [
    {
      name: `staff code with ${name}`,
      ...staff(`/staff/codes/${encodeURIComponent(code)}/void`, { body: '{"reason":"x"}' }),
      status: 400,
      shape: 'problem',
    },
    {
      name: `webhook code with ${name}`,
      ...webhook({ code, transactionId: `T-${randomUUID()}` }),
      status: 400,
      shape: 'problem',
    },
  ])
}

/** Compressed bodies (415 once signed; 401 when not) and bodies API Gateway hands over in base64. */
function encodingCases(): Case[] {
  const cases: Case[] = []
  const text = JSON.stringify(validRedemption())
  const compressed: Array<[string, Buffer]> = [
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['GZIP', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['br', brotliCompressSync(text)],
    ['gzip, identity', gzipSync(text)],
    ['compress', gzipSync(text)],
  ]
  for (const [encoding, bytes] of compressed) {
    cases.push({
      name: `webhook content-encoding ${encoding}, signed over the compressed bytes`,
      ...signedBytes(bytes, { 'content-encoding': encoding }),
      status: 415,
      shape: 'problem',
    })
    cases.push({
      name: `staff content-encoding ${encoding}`,
      ...staff('/staff/offer-states/123/void', {
        body: gzipSync('{"memberId":1,"reason":"x"}'),
        headers: { 'content-encoding': encoding },
      }),
      status: 415,
      shape: 'problem',
    })
  }
  cases.push({
    name: 'webhook gzip body signed over the uncompressed text',
    ...signedBytes(gzipSync(text), { 'content-encoding': 'gzip' }, { signed: text }),
    status: 401,
    shape: 'problem',
  })
  cases.push({
    name: 'webhook gzip body, unsigned',
    ...signedBytes(gzipSync(text), { 'content-encoding': 'gzip', 'webhook-signature': '' }),
    status: 401,
    shape: 'problem',
  })
  const latin1 = Buffer.from('{"code":"CAF\u00c9","transactionId":"T-1"}', 'latin1')
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
  const base64Cases: Array<[string, Pick<Case, 'path' | 'headers' | 'body'>, number]> = [
    ['a Latin-1 body signed over its bytes', signedBytes(latin1), 400],
    ['a UTF-16 body with a BOM', signedBytes(utf16), 400],
    ['invalid UTF-8 bytes, signed', signedBytes(Buffer.from([0x7b, 0x7d, 0xff])), 400],
    [
      'bytes that decode to the same lossy text as the signed ones',
      signedBytes(Buffer.from([0x7b, 0x7d, 0xfe]), {}, { signed: Buffer.from([0x7b, 0x7d, 0xff]) }),
      401,
    ],
    ['invalid UTF-8 bytes, unsigned', signedBytes(Buffer.from([0xc3, 0x28]), { 'webhook-id': '' }), 401],
    [
      'a JSON body sent as application/octet-stream',
      signedBytes(Buffer.from(text), { 'content-type': 'application/octet-stream' }),
      415,
    ],
    ['a JSON body sent as image/png', signedBytes(Buffer.from(text), { 'content-type': 'image/png' }), 415],
  ]
  for (const [name, request, status] of base64Cases) {
    cases.push({ name: `webhook base64 body: ${name}`, ...request, status, shape: 'problem' })
  }
  cases.push({
    name: 'staff base64 body: a Latin-1 reason',
    ...staff('/staff/offer-states/123/void', {
      body: Buffer.from('{"memberId":1,"reason":"caf\u00e9"}', 'latin1'),
    }),
    status: 400,
    shape: 'problem',
  })
  cases.push({
    name: 'staff base64 body: application/octet-stream',
    ...staff('/staff/offer-states/123/void', { headers: { 'content-type': 'application/octet-stream' } }),
    status: 415,
    shape: 'problem',
  })
  return cases
}

/** Bodies sent with Transfer-Encoding: chunked (reassembled before the function, as API Gateway does). */
function chunkedCases(host: string): Case[] {
  const chunked = (c: Pick<Case, 'path' | 'headers' | 'body'>, name: string, status: number): Case => {
    const body = Buffer.from(c.body ?? '')
    const half = Math.floor(body.length / 2)
    return {
      name: `chunked ${name}`,
      path: c.path,
      headers: { ...c.headers, 'transfer-encoding': 'chunked' },
      chunks: [body.subarray(0, half), body.subarray(half)],
      status,
      shape: 'problem',
    }
  }
  const raw = (name: string, head: string, body: string, status: number): Case => ({
    name: `chunked ${name}`,
    path: '',
    raw: `POST /pos/redemptions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n${head}Connection: close\r\n\r\n${body}`,
    status,
    shape: 'http',
  })
  return [
    chunked(
      staff('/staff/offer-states/123/void', { body: '{"memberId":1}' }),
      'staff body without reason',
      400,
    ),
    chunked(
      staff('/staff/offer-states/123/void', { body: '{"memberId":1,"reason":"a","reason":"b"}' }),
      'staff duplicate keys',
      400,
    ),
    chunked(
      staff('/staff/offer-states/123/void', { body: '{"memberId":1.00000000000000001,"reason":"a"}' }),
      'staff lossy number',
      400,
    ),
    chunked(
      staff('/staff/codes/..%2F..%2Fauth/void', { body: '{"reason":"a"}' }),
      'staff code traversal',
      400,
    ),
    chunked(webhook(validRedemption(), { 'webhook-signature': undefined }), 'webhook unsigned', 401),
    chunked(webhook({ code: '\uFF2B7Q2', transactionId: 'T-1' }), 'webhook look-alike code', 400),
    chunked(webhook('{"code":"A","code":"B","transactionId":"T"}'), 'webhook duplicate keys', 400),
    chunked(webhook({ ...validRedemption(), pad: 'p'.repeat(20_000) }), 'webhook over the body limit', 413),
    chunked(
      signedBytes(gzipSync(JSON.stringify(validRedemption())), { 'content-encoding': 'gzip' }),
      'webhook gzip',
      415,
    ),
    raw('with a chunk size that is not hex', 'Transfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n', 400),
    raw(
      'with a chunk size that overflows',
      'Transfer-Encoding: chunked\r\n',
      'fffffffffffffffffff\r\n{}\r\n0\r\n\r\n',
      400,
    ),
    raw(
      'and a Content-Length too (smuggling)',
      'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n',
      '2\r\n{}\r\n0\r\n\r\n',
      400,
    ),
    raw(
      'with an unknown transfer coding',
      'Transfer-Encoding: gzip, chunked, foo\r\n',
      '2\r\n{}\r\n0\r\n\r\n',
      400,
    ),
  ]
}

/** Signature headers sent twice (API Gateway joins them with commas) and CR/LF in header values. */
function headerCases(host: string): Case[] {
  const text = JSON.stringify(validRedemption())
  const ts = now()
  const signed = (id: string, timestamp: number | string = ts) =>
    signWebhook({ secret: system.webhookSecret, id, timestamp, body: text })
  const raw = (headers: string, body = text) =>
    `POST /pos/redemptions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  const repeated: Array<[string, string]> = [
    [
      'webhook-id twice, signed for the first',
      `webhook-id: msg_a\r\nwebhook-id: msg_b\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg_a')}\r\n`,
    ],
    [
      'webhook-id twice, signed for the joined value',
      `webhook-id: msg_a\r\nwebhook-id: msg_b\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg_a,msg_b')}\r\n`,
    ],
    [
      'webhook-id twice, the same value',
      `webhook-id: msg_a\r\nwebhook-id: msg_a\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg_a')}\r\n`,
    ],
    [
      'webhook-timestamp twice',
      `webhook-id: msg_t\r\nwebhook-timestamp: ${ts}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg_t')}\r\n`,
    ],
    [
      'webhook-signature twice, both valid',
      `webhook-id: msg_s\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg_s')}\r\nwebhook-signature: ${signed('msg_s')}\r\n`,
    ],
    [
      'all three twice',
      `webhook-id: msg_c\r\nwebhook-id: msg_c\r\nwebhook-timestamp: ${ts}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg_c')}\r\nwebhook-signature: ${signed('msg_c')}\r\n`,
    ],
  ]
  const cases: Case[] = repeated.map(([name, headers]) => ({
    name: `webhook repeated header: ${name}`,
    path: '',
    raw: raw(headers),
    status: 401,
    shape: 'problem',
  }))
  cases.push({
    name: 'webhook repeated header: webhook-id holding a comma, signed',
    ...webhook(validRedemption(), {}, 'msg_1,msg_2'),
    status: 401,
    shape: 'problem',
  })
  const id = `msg_${randomUUID()}`
  const good = `webhook-id: ${id}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed(id)}\r\n`
  const injected: Array<[string, string, number, Shape]> = [
    [
      'CRLF smuggles a second webhook-id',
      `webhook-id: ${id}\r\nwebhook-id: msg_evil\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed(id)}\r\n`,
      401,
      'problem',
    ],
    [
      'bare CR in webhook-signature',
      `webhook-id: ${id}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed(id)}\rX-Evil: 1\r\n`,
      400,
      'http',
    ],
    [
      'bare LF in webhook-timestamp',
      `webhook-id: ${id}\r\nwebhook-timestamp: ${ts}\nX-Evil: 1\r\nwebhook-signature: ${signed(id)}\r\n`,
      400,
      'http',
    ],
    ['bare LF in content-type', `${good}Content-Type: application/json\nX-Evil: 1\r\n`, 400, 'http'],
    [
      'NUL in webhook-id',
      `webhook-id: msg\u0000x\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg')}\r\n`,
      400,
      'http',
    ],
    [
      'a space before the colon',
      `webhook-id : ${id}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed(id)}\r\n`,
      400,
      'http',
    ],
    [
      'webhook-signature folded (obs-fold)',
      `webhook-id: ${id}\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature:\r\n ${signed(id)}\r\n`,
      400,
      'http',
    ],
    [
      'a control character in webhook-id',
      `webhook-id: msg\u0001x\r\nwebhook-timestamp: ${ts}\r\nwebhook-signature: ${signed('msg\u0001x')}\r\n`,
      400,
      'http',
    ],
  ]
  for (const [name, headers, status, shape] of injected) {
    cases.push({ name: `webhook header injection: ${name}`, path: '', raw: raw(headers), status, shape })
  }
  cases.push({
    // node reads the line break as the end of the request line: what follows is a header, the request is unsigned
    name: 'header injection: CRLF in the request line',
    path: '',
    raw: `POST /pos/redemptions\r\nX-Evil: 1 HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    status: 401,
    shape: 'problem',
  })
  return cases
}

/** Staff tokens the authorizer verifies but whose scopes do not allow voiding (API Gateway's own 403). */
async function scopeCases(): Promise<Case[]> {
  const cases: Case[] = []
  for (const [name, scope] of [
    ['no scope', ''],
    ['another scope', 'offers:read'],
    ['a scope that only starts the same', 'offers:voids'],
  ] as const) {
    const token = await mintStaffToken({ sub: 'staff-1', scope })
    for (const route of STAFF_ROUTES) {
      cases.push({
        name: `staff ${route.route}: token with ${name}`,
        ...staff(route.path, { body: JSON.stringify(route.body), authorization: `Bearer ${token}` }),
        status: 403,
        shape: 'gateway',
      })
    }
  }
  return cases
}

async function hardeningCases(host: string): Promise<Case[]> {
  return [
    ...methodCases(),
    ...strictJsonCases(),
    ...lookAlikeCases(),
    ...encodingCases(),
    ...chunkedCases(host),
    ...headerCases(host),
    ...(await scopeCases()),
  ]
}
