import { defineStore } from 'pinia'
import { api } from '../api'
import type { User } from '../api/types'

/** Display names of the accounts a page mentions (a handler, an author): people see names, not ids. */
export const usePeople = defineStore('people', {
  state: () => ({ names: {} as Record<string, string> }),
  actions: {
    name(id: string | null | undefined, unknown = '—'): string {
      if (!id) return unknown
      if (!(id in this.names)) {
        this.names[id] = '…'
        api.get<User>(`/v1/users/${encodeURIComponent(id)}`)
          .then((user) => { this.names[id] = user.display_name || user.username })
          .catch(() => { this.names[id] = '（无权查看）' })
      }
      return this.names[id]
    },
    remember(users: User[]) {
      for (const user of users) this.names[user.id] = user.display_name || user.username
    },
  },
})
