import { IdSource } from './ids'
import {
  type Account,
  type Campaign,
  CampaignStatus,
  type Channel,
  type CredentialRecord,
  type Member,
  type Offer,
  type OfferStateRecord,
  type Store,
} from './types'

interface Data {
  accounts: Account[]
  members: Member[]
  offers: Offer[]
  campaigns: Campaign[]
  channels: Channel[]
  stores: Store[]
  offerStates: OfferStateRecord[]
  credentials: CredentialRecord[]
}

export interface StoreSnapshot {
  data: Data
  ids: ReturnType<IdSource['snapshot']>
}

/**
 * The sandbox's in-memory data. It stores and finds records; the rules (what may be redeemed or voided)
 * live in the resolvers. Records keep insertion order, which is the order lists answer in.
 */
export class SandboxStore {
  readonly ids = new IdSource()
  private data: Data = emptyData()

  // Accounts --------------------------------------------------------------------------------------------
  addAccount(identity: string, key: string): Account {
    const account = { id: this.ids.id(), identity, key }
    this.data.accounts.push(account)
    return account
  }

  accountByIdentity(identity: string): Account | undefined {
    return this.data.accounts.find((a) => a.identity === identity)
  }

  accountById(id: number): Account | undefined {
    return this.data.accounts.find((a) => a.id === id)
  }

  // Members ---------------------------------------------------------------------------------------------
  addMember(identifier: string | undefined, createdAt: string): Member {
    const id = this.ids.id()
    const member = { id, identifier: identifier ?? `member-${id}`, createdAt }
    if (this.memberByIdentifier(member.identifier)) {
      throw new Error(`a member with identifier ${member.identifier} already exists`)
    }
    this.data.members.push(member)
    return member
  }

  member(id: number): Member | undefined {
    return this.data.members.find((m) => m.id === id)
  }

  memberByIdentifier(identifier: string): Member | undefined {
    return this.data.members.find((m) => m.identifier === identifier)
  }

  /** Gives a credential its code when its first offer is attached. */
  ensureCredentialCode(credential: CredentialRecord): void {
    if (credential.identifier === null && credential.offerIds.length > 0)
      credential.identifier = this.ids.code()
  }

  // Offers and campaigns -------------------------------------------------------------------------------
  /** Adds a campaign and its offer. `xid` defaults to a random one; a taken xid throws. */
  addCampaign(input: { status: CampaignStatus; offerName: string; xid?: string }): Campaign {
    if (input.xid !== undefined && (input.xid === '' || this.campaign(input.xid))) {
      throw new Error(`campaign xid ${JSON.stringify(input.xid)} is empty or taken`)
    }
    const offer: Offer = {
      id: this.ids.id(),
      name: input.offerName,
      description: `${input.offerName} (sandbox offer)`,
      merchantId: 1,
      merchantName: 'Sandbox Merchant',
    }
    const campaign: Campaign = {
      id: this.ids.id(),
      xid: input.xid ?? this.ids.xid(),
      name: `${input.offerName} campaign`,
      status: input.status,
      offerId: offer.id,
    }
    this.data.offers.push(offer)
    this.data.campaigns.push(campaign)
    return campaign
  }

  offer(id: number): Offer | undefined {
    return this.data.offers.find((o) => o.id === id)
  }

  campaign(xid: string): Campaign | undefined {
    return this.data.campaigns.find((c) => c.xid === xid)
  }

  campaignById(id: number): Campaign | undefined {
    return this.data.campaigns.find((c) => c.id === id)
  }

  campaignsOfOffer(offerId: number): Campaign[] {
    return this.data.campaigns.filter((c) => c.offerId === offerId)
  }

  /** An offer can be issued while at least one of its campaigns is active. */
  activeCampaignOfOffer(offerId: number): Campaign | undefined {
    return this.campaignsOfOffer(offerId).find((c) => c.status === CampaignStatus.Active)
  }

  // Channels and stores ---------------------------------------------------------------------------------
  addChannel(name: string): Channel {
    const channel = { id: this.ids.id(), name }
    this.data.channels.push(channel)
    return channel
  }

  channel(id: number): Channel | undefined {
    return this.data.channels.find((c) => c.id === id)
  }

  addStore(name: string): Store {
    const store = { id: this.ids.id(), name }
    this.data.stores.push(store)
    return store
  }

  store(id: number): Store | undefined {
    return this.data.stores.find((s) => s.id === id)
  }

  // Offer states ---------------------------------------------------------------------------------------
  addOfferState(record: Omit<OfferStateRecord, 'id' | 'credentialIdentifier' | 'token'>): OfferStateRecord {
    const offerState = {
      id: this.ids.id(),
      credentialIdentifier: this.ids.code(),
      token: this.ids.osid(),
      ...record,
    }
    this.data.offerStates.push(offerState)
    return offerState
  }

  offerState(id: number): OfferStateRecord | undefined {
    return this.data.offerStates.find((o) => o.id === id)
  }

  offerStates(filter: (o: OfferStateRecord) => boolean = () => true): OfferStateRecord[] {
    return this.data.offerStates.filter(filter)
  }

  // Credentials ----------------------------------------------------------------------------------------
  /** A credential gets its code (identifier) once it has an offer, as in Sparkfly's guide. */
  addCredential(record: Omit<CredentialRecord, 'id' | 'identifier'>): CredentialRecord {
    const identifier = record.offerIds.length > 0 ? this.ids.code() : null
    const credential = { id: this.ids.id(), identifier, ...record }
    this.data.credentials.push(credential)
    return credential
  }

  credential(id: number): CredentialRecord | undefined {
    return this.data.credentials.find((c) => c.id === id)
  }

  credentials(filter: (c: CredentialRecord) => boolean = () => true): CredentialRecord[] {
    return this.data.credentials.filter(filter)
  }

  deleteCredential(id: number): void {
    this.data.credentials = this.data.credentials.filter((c) => c.id !== id)
  }

  // Whole state ----------------------------------------------------------------------------------------
  /** Copies of every record (callers cannot change the store through them). */
  dump(): Omit<Data, 'accounts'> {
    const { accounts: _accounts, ...rest } = structuredClone(this.data)
    return rest
  }

  snapshot(): StoreSnapshot {
    return { data: structuredClone(this.data), ids: this.ids.snapshot() }
  }

  restore(snapshot: StoreSnapshot): void {
    this.data = structuredClone(snapshot.data)
    this.ids.restore(snapshot.ids)
  }
}

function emptyData(): Data {
  return {
    accounts: [],
    members: [],
    offers: [],
    campaigns: [],
    channels: [],
    stores: [],
    offerStates: [],
    credentials: [],
  }
}
