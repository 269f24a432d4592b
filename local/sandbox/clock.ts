import type { SandboxClock } from './types'

export interface ClockOptions {
  now?: Date | string
  frozen?: boolean
}

/**
 * The sandbox clock. Every timestamp the sandbox writes and every time rule it applies (token lifetime,
 * activates_at / expires_at) reads it. By default it runs with real time from its start value; tests move it
 * with `advance` / `set`. A frozen clock moves only when told.
 */
export function createClock(options: ClockOptions = {}): SandboxClock {
  const start = options.now === undefined ? Date.now() : toDate(options.now).getTime()
  const frozen = options.frozen ?? false
  // Running clock: now = real time + offset. Frozen clock: now = offset.
  let offset = frozen ? start : start - Date.now()

  const now = () => new Date(frozen ? offset : Date.now() + offset)
  return {
    now,
    advance(ms: number) {
      if (!Number.isFinite(ms)) throw new RangeError('advance(ms) needs a finite number')
      offset += ms
      return now()
    },
    set(date: Date | string) {
      const target = toDate(date).getTime()
      offset = frozen ? target : target - Date.now()
      return now()
    },
  }
}

function toDate(value: Date | string): Date {
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a valid date: ${String(value)}`)
  return date
}

/** ISO-8601 the way Sparkfly writes it: seconds precision unless the time has milliseconds. */
export function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z')
}
