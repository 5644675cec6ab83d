import { ref, shallowRef } from 'vue'
import { ApiError, messageFor } from '../api/client'

/** One API call's state for a page: loading, its data, and the zh-CN words of its failure. */
export function useCall<T>(fn: () => Promise<T>) {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  async function run(): Promise<T | null> {
    loading.value = true
    error.value = null
    try {
      data.value = await fn()
      return data.value
    } catch (exc) {
      error.value = describe(exc)
      return null
    } finally {
      loading.value = false
    }
  }
  return { data, loading, error, run }
}

export function describe(exc: unknown): string {
  return exc instanceof ApiError ? exc.message : messageFor(0)
}
