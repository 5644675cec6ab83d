// The records the console reads, as the OpenAPI document (/openapi.json) describes them.

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface User {
  id: string
  username: string
  display_name: string
  department: string
  roles: string[]
  active: boolean
  email?: string | null
}

export interface Case {
  id: string
  case_no: string
  title: string
  category: string
  department: string
  handler_id: string | null
  status: string
  decided_on: string | null
  suspect_count: number
  asset_recovery: {
    amount_involved_fen: number
    victims: number
    frozen_seized_fen: number
    recovered_fen: number
    returned_to_victims_fen: number
  } | null
  referral_due_on: string | null
  referral_due_provisional: boolean
  key_evaluation_reasons: string[]
  version: number
  created_at: string
  updated_at: string
}

export interface Suspect {
  id: string
  name: string
  id_number: string
  id_number_masked: boolean
  layer: string
  charges: string[]
  arrested_on: string | null
  decision: { decision: string; decided_on?: string } | null
  decision_reversed: boolean
  version: number
}

export interface HistoryEntry {
  id: string
  at: string
  actor: { user_id?: string; username?: string; roles?: string[] } | null
  action: string
  subject: string
  changes: Record<string, { from: unknown; to: unknown }>
}

export interface Notification {
  id: string
  type: string
  channel: string
  title: string
  body: string
  ref: { kind: string; id: string } | null
  created_at: string
  read_at: string | null
}

export type Labels = Record<string, Record<string, string>>
