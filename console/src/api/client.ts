// The console's only way to the platform: the public /v1 API, as any client uses it.
//
// - The access token lives in memory and in sessionStorage (gone when the tab closes or at logout),
//   never in localStorage.
// - A 401 on an authenticated call forgets the token and hands over to `onUnauthorized` (the router
//   goes to the login page, keeping where the user was).
// - Every failure becomes an ApiError whose `message` is zh-CN words for people: the API's own
//   message when it is one, else words chosen by status; never raw JSON or an English code.
// - A change of a versioned record sends If-Match with the version it was decided on; a 412
//   (someone else changed it) goes to `onStale`, which tells the user and offers to reload.

export const TOKEN_KEY = 'pingjian.access_token'

export type FieldErrors = Record<string, string>

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: FieldErrors
  readonly currentVersion: number | null
  readonly retryAfter: number | null
  /** True once a hook (login redirect, stale-record dialog) has already told the user. */
  handled = false

  constructor(status: number, code: string, message: string, fields: FieldErrors = {},
              currentVersion: number | null = null, retryAfter: number | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
    this.currentVersion = currentVersion
    this.retryAfter = retryAfter
  }

  get stale(): boolean {
    return this.status === 412
  }
}

const BY_STATUS: Record<number, string> = {
  0: '无法连接到服务器，请检查网络后重试',
  400: '提交的内容有误，请检查后重试',
  401: '登录已失效，请重新登录',
  403: '当前角色无权执行此操作',
  404: '要查看的记录不存在或已被删除',
  405: '不支持该操作',
  409: '操作与记录的当前状态冲突，请刷新后重试',
  412: '该记录已被他人修改，请重新加载后再操作',
  413: '提交的内容过大',
  415: '提交的内容格式不正确',
  429: '请求过于频繁，请稍后重试',
  500: '服务器内部错误，请联系管理员',
  502: '服务暂不可用，请稍后重试',
  503: '服务暂不可用，请稍后重试',
  504: '后端服务响应超时，请稍后重试',
}

const CJK = /[\u3400-\u9fff]/

/** zh-CN words for a failed call: the API's message when it is written for people, else by status. */
export function messageFor(status: number, apiMessage?: unknown): string {
  if (typeof apiMessage === 'string' && CJK.test(apiMessage)) return apiMessage
  if (BY_STATUS[status]) return BY_STATUS[status]
  if (status >= 500) return BY_STATUS[503]
  if (status >= 400) return BY_STATUS[400]
  return '请求失败，请稍后重试'
}

/** The API's `error.fields` (marshmallow messages, possibly nested) as one zh-CN line per field,
 *  keyed by the dotted field name (`scores.procedure`, `items.0.amount_fen`). */
export function flattenFields(fields: unknown, prefix = ''): FieldErrors {
  const out: FieldErrors = {}
  if (fields === null || typeof fields !== 'object') return out
  if (Array.isArray(fields)) {
    const words = fields.filter((item) => typeof item === 'string') as string[]
    if (words.length) out[prefix || '_'] = words.map((w) => messageFor(400, w)).join('；')
    fields.forEach((item, index) => {
      if (item !== null && typeof item === 'object') Object.assign(out, flattenFields(item, join(prefix, String(index))))
    })
    return out
  }
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    const name = join(prefix, key)
    if (typeof value === 'string') out[name] = messageFor(400, value)
    else Object.assign(out, flattenFields(value, name))
  }
  return out
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key
}

export interface TokenStore {
  get(): string | null
  set(token: string | null): void
}

/** Memory first, sessionStorage behind it (so a reload of the tab keeps the session). */
export function sessionTokenStore(storage: Storage | undefined = globalThis.sessionStorage): TokenStore {
  let token: string | null = storage?.getItem(TOKEN_KEY) ?? null
  return {
    get: () => token,
    set(value) {
      token = value
      if (!storage) return
      if (value) storage.setItem(TOKEN_KEY, value)
      else storage.removeItem(TOKEN_KEY)
    },
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface CallOptions {
  query?: Query
  body?: unknown
  /** The version the change was decided on: sent as If-Match. */
  version?: number | null
  /** What "reload" means for this record, offered when the change answers 412. */
  reload?: () => unknown
  /** A login: its 401 is the answer to show, not an expired session. */
  anonymous?: boolean
}

export interface ClientHooks {
  onUnauthorized?: (error: ApiError) => void
  onStale?: (error: ApiError, reload?: () => unknown) => void
}

export class ApiClient {
  readonly tokens: TokenStore
  hooks: ClientHooks
  private readonly fetcher: typeof fetch
  private readonly base: string

  constructor(options: { tokens?: TokenStore; fetcher?: typeof fetch; base?: string; hooks?: ClientHooks } = {}) {
    this.tokens = options.tokens ?? sessionTokenStore()
    this.fetcher = options.fetcher ?? ((input, init) => globalThis.fetch(input, init))
    this.base = options.base ?? ''
    this.hooks = options.hooks ?? {}
  }

  get signedIn(): boolean {
    return !!this.tokens.get()
  }

  async login(username: string, password: string): Promise<void> {
    const answer = await this.call<{ access_token: string }>('POST', '/v1/auth/token', {
      body: { username, password }, anonymous: true,
    })
    this.tokens.set(answer.access_token)
  }

  /** Ends the session on the server too; the token is forgotten whatever the answer. */
  async logout(): Promise<void> {
    try {
      if (this.signedIn) await this.call('POST', '/v1/auth/logout', { anonymous: true })
    } catch {
      // already expired or unreachable: forgetting it here is what matters
    } finally {
      this.tokens.set(null)
    }
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>('GET', path, { query })
  }

  /** A change: POST/PUT/PATCH/DELETE with If-Match when `version` is given. */
  change<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: Omit<CallOptions, 'query'> = {}): Promise<T> {
    return this.call<T>(method, path, options)
  }

  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    if (!path.startsWith('/v1/')) throw new Error(`the console calls only the /v1 API, not ${path}`)
    const headers: Record<string, string> = { Accept: 'application/json' }
    const token = this.tokens.get()
    if (token) headers.Authorization = `Bearer ${token}`
    let body: string | undefined
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    if (options.version !== undefined && options.version !== null) headers['If-Match'] = `"${options.version}"`
    let response: Response
    try {
      response = await this.fetcher(this.base + path + queryString(options.query), {
        method, headers, body, credentials: 'omit', cache: 'no-store',
      })
    } catch {
      throw new ApiError(0, 'network', messageFor(0))
    }
    const payload = await readJson(response)
    if (response.ok) return payload as T
    const error = toError(response, payload)
    if (error.status === 401 && !options.anonymous) {
      this.tokens.set(null)
      if (this.hooks.onUnauthorized) {
        error.handled = true
        this.hooks.onUnauthorized(error)
      }
    } else if (error.stale && this.hooks.onStale) {
      error.handled = true
      this.hooks.onStale(error, options.reload)
    }
    throw error
  }
}

function queryString(query?: Query): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

async function readJson(response: Response): Promise<unknown> {
  if (response.status === 204) return null
  const text = await response.text().catch(() => '')
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function toError(response: Response, payload: unknown): ApiError {
  const error = (payload && typeof payload === 'object' && 'error' in payload
    ? (payload as { error: Record<string, unknown> }).error : {}) ?? {}
  const code = typeof error.code === 'string' ? error.code : `http_${response.status}`
  const retry = Number(response.headers.get('Retry-After'))
  const current = typeof error.current_version === 'number' ? error.current_version : null
  return new ApiError(response.status, code, messageFor(response.status, error.message), flattenFields(error.fields),
                      current, Number.isFinite(retry) && retry > 0 ? retry : null)
}
