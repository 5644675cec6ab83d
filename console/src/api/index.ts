import { ApiClient } from './client'

/** The one client of the console (hooks are set in main.ts, where the router and dialogs are). */
export const api = new ApiClient()
