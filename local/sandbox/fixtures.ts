import type { SandboxStore } from './store'
import { CampaignStatus, type SandboxFixtures } from './types'

/** Member identifiers of the default fixtures (their numeric ids are random per sandbox). */
export const FIXTURE_MEMBER_IDENTIFIERS = [
  'sbx-member-1',
  'sbx-member-2',
  'sbx-member-3',
  'sbx-member-4',
  'sbx-member-5',
] as const

/**
 * Loads the default fixtures: five members, an active and a suspended campaign (each with its offer),
 * one channel and one store.
 */
export function seedFixtures(store: SandboxStore, now: string): SandboxFixtures {
  const members = FIXTURE_MEMBER_IDENTIFIERS.map((identifier) => {
    const member = store.addMember(identifier, now)
    return { id: member.id, identifier: member.identifier }
  })
  const active = store.addCampaign({ status: CampaignStatus.Active, offerName: 'Free Medium Fries' })
  const suspended = store.addCampaign({ status: CampaignStatus.Suspended, offerName: 'Retired Burger Deal' })
  const channel = store.addChannel('Sandbox App')
  const shop = store.addStore('Sandbox Store #1')
  return {
    members,
    campaigns: {
      active: { xid: active.xid, offerId: active.offerId },
      suspended: { xid: suspended.xid, offerId: suspended.offerId },
    },
    channelId: channel.id,
    storeId: shop.id,
    offerId: active.offerId,
  }
}

/** Fixtures of a sandbox started with `seed: false`: nothing to point at. */
export function emptyFixtures(): SandboxFixtures {
  return {
    members: [],
    campaigns: { active: { xid: '', offerId: 0 }, suspended: { xid: '', offerId: 0 } },
    channelId: 0,
    storeId: 0,
    offerId: 0,
  }
}
