import { performance } from 'node:perf_hooks'
import {
  type FaultKind,
  type FaultRates,
  type FaultSpec,
  type LatencyBounds,
  type LatencySpec,
  LOST_ANSWER_FAULTS,
  type LostAnswerFault,
  OPERATIONS,
  type OperationName,
} from './types'

export type FaultDecision = { kind: FaultKind | 'rateLimit'; retryAfterSeconds: number }

const RATE_KEYS = [
  '429',
  '500',
  '503',
  'hang',
  'drop',
  'reset',
  ...LOST_ANSWER_FAULTS,
] as const satisfies readonly (keyof FaultRates)[]
const FAULT_KINDS: readonly FaultKind[] = RATE_KEYS.map(rateKind)

/** True for the faults that run the operation and then lose its answer. */
export function losesAnswer(kind: FaultDecision['kind']): kind is LostAnswerFault {
  return (LOST_ANSWER_FAULTS as readonly unknown[]).includes(kind)
}
const DEFAULT_RETRY_AFTER_SECONDS = 1

/** Small, fast, seedable PRNG (mulberry32): the same seed replays the same rolls. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Decides, before an operation runs, whether the sandbox answers it with a fault instead, and how long
 * it waits before answering. Only API routes consult it; /_sandbox admin routes never do.
 */
export class Faults {
  private spec: FaultSpec = {}
  private latencySpec: LatencySpec = {}
  private random: () => number = Math.random
  private failNextLeft = 0
  private perSecond: number | null = null
  /** Real-time (ms) arrival of requests the rate limiter let through in the last second. */
  private window: number[] = []

  constructor(options: { faults?: FaultSpec; latency?: LatencySpec; rateLimitPerSecond?: number } = {}) {
    if (options.faults) this.set(options.faults)
    if (options.latency) this.setLatency(options.latency)
    if (options.rateLimitPerSecond !== undefined) this.setRateLimit(options.rateLimitPerSecond)
  }

  set(spec: FaultSpec): void {
    validateFaults(spec)
    this.spec = structuredClone(spec)
    this.random = spec.seed === undefined ? Math.random : seededRandom(spec.seed)
    this.failNextLeft = spec.failNext ? (spec.failNext.count ?? 1) : 0
  }

  clear(): void {
    this.set({})
  }

  /** The current spec; `failNext.count` shows how many forced failures are left. */
  current(): FaultSpec {
    const spec = structuredClone(this.spec)
    if (spec.failNext) {
      if (this.failNextLeft > 0) spec.failNext.count = this.failNextLeft
      else delete spec.failNext
    }
    return spec
  }

  setLatency(spec: LatencySpec): void {
    validateLatency(spec)
    this.latencySpec = structuredClone(spec)
  }

  latency(): LatencySpec {
    return structuredClone(this.latencySpec)
  }

  setRateLimit(perSecond: number | null): void {
    if (perSecond !== null && !(Number.isInteger(perSecond) && perSecond > 0)) {
      throw new RangeError('rateLimitPerSecond must be a positive integer (or null for no limit)')
    }
    this.perSecond = perSecond
    this.window = []
  }

  rateLimit(): number | null {
    return this.perSecond
  }

  get tokenExpiresEveryCalls(): number | undefined {
    return this.spec.tokenExpiresEveryCalls
  }

  /** The fault to answer this request with, or null to run the operation. */
  decide(operation: OperationName, nowMs: number = performance.now()): FaultDecision | null {
    const retryAfterSeconds = this.spec.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS

    if (this.perSecond !== null) {
      this.window = this.window.filter((t) => nowMs - t < 1000)
      if (this.window.length >= this.perSecond) {
        const oldest = this.window[0] ?? nowMs
        return {
          kind: 'rateLimit',
          retryAfterSeconds: Math.max(1, Math.ceil((oldest + 1000 - nowMs) / 1000)),
        }
      }
      this.window.push(nowMs)
    }

    const failNext = this.spec.failNext
    if (failNext && this.failNextLeft > 0 && (!failNext.operation || failNext.operation === operation)) {
      this.failNextLeft -= 1
      return { kind: failNext.status, retryAfterSeconds }
    }

    const rates = this.ratesFor(operation)
    if (rates) {
      const roll = this.random()
      let edge = 0
      for (const key of RATE_KEYS) {
        edge += rates[key] ?? 0
        if (roll < edge) return { kind: rateKind(key), retryAfterSeconds }
      }
    }
    return null
  }

  /** The operation's own rates, else the default ones when they cover it. */
  private ratesFor(operation: OperationName): FaultRates | undefined {
    const own = this.spec.perOperation?.[operation]
    if (own) return own
    if (this.spec.operations && !this.spec.operations.includes(operation)) return undefined
    return this.spec.rates
  }

  /** Milliseconds to wait before answering this operation. */
  delayFor(operation: OperationName): number {
    const bounds: LatencyBounds = this.latencySpec.perOperation?.[operation] ?? this.latencySpec
    if (bounds.fixedMs !== undefined) return bounds.fixedMs
    if (bounds.minMs !== undefined || bounds.maxMs !== undefined) {
      const min = bounds.minMs ?? 0
      const max = bounds.maxMs ?? min
      return Math.round(min + this.random() * (max - min))
    }
    return 0
  }
}

function rateKind(key: keyof FaultRates): FaultKind {
  return key === '429' || key === '500' || key === '503' ? (Number(key) as FaultKind) : key
}

const isProbability = (n: unknown) => typeof n === 'number' && n >= 0 && n <= 1
const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0
const isOperation = (name: unknown) => OPERATIONS.includes(name as OperationName)

function validateRates(rates: FaultRates, where: string): void {
  if (typeof rates !== 'object' || rates === null) throw new RangeError(`${where} must be an object`)
  let total = 0
  for (const [key, rate] of Object.entries(rates)) {
    if (!(RATE_KEYS as readonly string[]).includes(key))
      throw new RangeError(`${where}.${key} is not a fault`)
    if (!isProbability(rate)) throw new RangeError(`${where}.${key} must be a number between 0 and 1`)
    total += rate
  }
  if (total > 1) throw new RangeError(`${where} add up to more than 1`)
}

/** Throws a RangeError naming the first bad field. */
export function validateFaults(spec: FaultSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new RangeError('faults must be an object')
  validateRates(spec.rates ?? {}, 'faults.rates')
  if (typeof spec.perOperation !== 'object' && spec.perOperation !== undefined)
    throw new RangeError('faults.perOperation must be an object')
  for (const [name, rates] of Object.entries(spec.perOperation ?? {})) {
    if (!isOperation(name)) throw new RangeError(`faults.perOperation: unknown operation ${name}`)
    validateRates(rates ?? {}, `faults.perOperation.${name}`)
  }
  if (
    spec.retryAfterSeconds !== undefined &&
    !(Number.isInteger(spec.retryAfterSeconds) && spec.retryAfterSeconds >= 0)
  ) {
    throw new RangeError('faults.retryAfterSeconds must be a non-negative integer')
  }
  for (const name of spec.operations ?? []) {
    if (!isOperation(name)) throw new RangeError(`faults.operations: unknown operation ${String(name)}`)
  }
  if (spec.failNext) {
    if (!FAULT_KINDS.includes(spec.failNext.status)) {
      throw new RangeError(
        `faults.failNext.status must be one of ${FAULT_KINDS.map((k) => JSON.stringify(k)).join(', ')}`,
      )
    }
    if (spec.failNext.count !== undefined && !isCount(spec.failNext.count)) {
      throw new RangeError('faults.failNext.count must be a positive integer')
    }
    if (spec.failNext.operation !== undefined && !isOperation(spec.failNext.operation)) {
      throw new RangeError(`faults.failNext.operation: unknown operation ${String(spec.failNext.operation)}`)
    }
  }
  if (spec.seed !== undefined && !Number.isInteger(spec.seed))
    throw new RangeError('faults.seed must be an integer')
  if (spec.tokenExpiresEveryCalls !== undefined && !isCount(spec.tokenExpiresEveryCalls)) {
    throw new RangeError('faults.tokenExpiresEveryCalls must be a positive integer')
  }
}

/** Throws a RangeError naming the first bad field. */
export function validateLatency(spec: LatencySpec): void {
  if (typeof spec !== 'object' || spec === null) throw new RangeError('latency must be an object')
  const check = (bounds: LatencyBounds, where: string) => {
    for (const key of ['fixedMs', 'minMs', 'maxMs'] as const) {
      const value = bounds[key]
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
        throw new RangeError(`${where}.${key} must be a non-negative number of milliseconds`)
      }
    }
    if (bounds.minMs !== undefined && bounds.maxMs !== undefined && bounds.minMs > bounds.maxMs) {
      throw new RangeError(`${where}.minMs is greater than maxMs`)
    }
  }
  check(spec, 'latency')
  for (const [name, bounds] of Object.entries(spec.perOperation ?? {})) {
    if (!isOperation(name)) throw new RangeError(`latency.perOperation: unknown operation ${name}`)
    check(bounds, `latency.perOperation.${name}`)
  }
}
