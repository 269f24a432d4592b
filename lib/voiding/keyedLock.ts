const tails = new Map<string, Promise<void>>()

/**
 * Runs `fn` after every earlier `fn` holding the same key in this container has finished: two records of one batch
 * that void the same offer run one after the other, so the second sees the first's ledger write and makes no second
 * Sparkfly call. (Across containers the ledger's conditional writes and Sparkfly's own refusal keep voids single.)
 */
export async function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve()
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const tail = previous.then(() => held)
  tails.set(key, tail)
  await previous
  try {
    return await fn()
  } finally {
    release()
    if (tails.get(key) === tail) tails.delete(key)
  }
}
