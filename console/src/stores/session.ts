import { defineStore } from 'pinia'
import { api } from '../api'
import type { Labels, User } from '../api/types'

/** Who is signed in, and the zh-CN labels of every code the API uses (GET /v1/meta/enums). */
export const useSession = defineStore('session', {
  state: () => ({ user: null as User | null, labels: {} as Labels, unread: 0 }),
  getters: {
    roles: (state) => state.user?.roles ?? [],
  },
  actions: {
    hasAnyRole(...roles: string[]): boolean {
      return this.roles.some((role) => roles.includes(role))
    },
    async load(): Promise<void> {
      const [user, labels] = await Promise.all([api.get<User>('/v1/me'), api.get<Labels>('/v1/meta/enums')])
      this.user = user
      this.labels = labels
    },
    /** The zh-CN label of a code; never the code itself when the label is unknown. */
    label(kind: string, code: string | null | undefined, fallback = '—'): string {
      if (!code) return fallback
      return this.labels[kind]?.[code] ?? fallback
    },
    async refreshUnread(): Promise<void> {
      this.unread = (await api.get<{ count: number }>('/v1/me/notifications/unread-count')).count
    },
    async logout(): Promise<void> {
      await api.logout()
      this.user = null
    },
  },
})
