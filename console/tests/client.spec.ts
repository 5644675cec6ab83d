import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiClient, ApiError, TOKEN_KEY, flattenFields, messageFor, sessionTokenStore } from '../src/api/client'

type Answer = { status: number; body?: unknown; headers?: Record<string, string>; raw?: string }

/** A fetch that records each call and answers from a script. */
function fakeFetch(...answers: Answer[]) {
  const calls: { url: string; init: RequestInit }[] = []
  const fetcher = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} })
    const answer = answers.shift() ?? { status: 200, body: {} }
    const text = answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body))
    return new Response(answer.status === 204 ? null : text, { status: answer.status, headers: answer.headers })
  })
  return { fetcher: fetcher as unknown as typeof fetch, calls }
}

function header(init: RequestInit, name: string): string | undefined {
  return (init.headers as Record<string, string>)[name]
}

beforeEach(() => {
  sessionStorage.clear()
  localStorage.clear()
})

describe('the access token', () => {
  it('is kept in memory and sessionStorage after a login, never in localStorage', async () => {
    const { fetcher, calls } = fakeFetch({ status: 200, body: { access_token: 'tok-1', token_type: 'bearer', expires_in: 900 } })
    const client = new ApiClient({ fetcher })
    await client.login('wang', 'secret-password')
    expect(calls[0].url).toBe('/v1/auth/token')
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ username: 'wang', password: 'secret-password' })
    expect(client.tokens.get()).toBe('tok-1')
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('tok-1')
    expect(localStorage.length).toBe(0)
  })

  it('is sent as a bearer token and survives a reload of the tab (a new client)', async () => {
    sessionStorage.setItem(TOKEN_KEY, 'tok-2')
    const { fetcher, calls } = fakeFetch({ status: 200, body: { id: 'u1' } })
    const client = new ApiClient({ fetcher })
    await client.get('/v1/me')
    expect(header(calls[0].init, 'Authorization')).toBe('Bearer tok-2')
    expect(calls[0].init.credentials).toBe('omit')
  })

  it('is forgotten at logout, even when the server cannot be reached', async () => {
    const store = sessionTokenStore()
    store.set('tok-3')
    const fetcher = vi.fn(async () => { throw new TypeError('Failed to fetch') }) as unknown as typeof fetch
    const client = new ApiClient({ fetcher, tokens: store })
    await client.logout()
    expect(client.signedIn).toBe(false)
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('only ever goes to the /v1 API', async () => {
    const { fetcher } = fakeFetch()
    await expect(new ApiClient({ fetcher }).get('/health')).rejects.toThrow(/only the \/v1 API/)
  })
})

describe('a 401', () => {
  it('on a call of the session forgets the token and hands over to the login redirect', async () => {
    sessionStorage.setItem(TOKEN_KEY, 'expired')
    const { fetcher } = fakeFetch({ status: 401, body: { error: { code: 'unauthorized', message: '令牌已过期' } } })
    const onUnauthorized = vi.fn()
    const client = new ApiClient({ fetcher, hooks: { onUnauthorized } })
    const error = await client.get('/v1/cases').then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.handled).toBe(true)
    expect(onUnauthorized).toHaveBeenCalledOnce()
    expect(client.signedIn).toBe(false)
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('of a login is the answer to show, not a redirect', async () => {
    const { fetcher } = fakeFetch({ status: 401, body: { error: { code: 'unauthorized', message: '用户名或密码错误' } } })
    const onUnauthorized = vi.fn()
    const error = await new ApiClient({ fetcher, hooks: { onUnauthorized } }).login('wang', 'wrong').then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error.message).toBe('用户名或密码错误')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })
})

describe('errors for people', () => {
  it('keep the API\'s own zh-CN words (a lockout, a throttle) and its Retry-After', async () => {
    const { fetcher } = fakeFetch({ status: 429, headers: { 'Retry-After': '60' },
      body: { error: { code: 'too_many_attempts', message: '登录失败次数过多，账户已锁定，请 15 分钟后再试' } } })
    const error = await new ApiClient({ fetcher }).login('wang', 'x').then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error.status).toBe(429)
    expect(error.message).toBe('登录失败次数过多，账户已锁定，请 15 分钟后再试')
    expect(error.retryAfter).toBe(60)
  })

  it.each([
    [403, { error: { code: 'forbidden', message: 'Forbidden' } }, '当前角色无权执行此操作'],
    [404, undefined, '要查看的记录不存在或已被删除'],
    [502, '<html>Bad Gateway</html>', '服务暂不可用，请稍后重试'],
    [503, { error: { code: 'service_unavailable' } }, '服务暂不可用，请稍后重试'],
    [418, { detail: 'teapot' }, '提交的内容有误，请检查后重试'],
  ])('never show English or raw JSON: %i', async (status, body, words) => {
    const answer = typeof body === 'string' ? { status, raw: body } : { status, body }
    const { fetcher } = fakeFetch(answer)
    const error = await new ApiClient({ fetcher }).get('/v1/cases').then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error.message).toBe(words)
    expect(error.message).not.toMatch(/[{}]|forbidden|unavailable/i)
  })

  it('say the server cannot be reached when the network fails', async () => {
    const fetcher = vi.fn(async () => { throw new TypeError('NetworkError when attempting to fetch resource.') })
    const error = await new ApiClient({ fetcher: fetcher as unknown as typeof fetch }).get('/v1/me').then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error.status).toBe(0)
    expect(error.message).toBe('无法连接到服务器，请检查网络后重试')
  })

  it('carry the API\'s field errors by field name, nested ones dotted', async () => {
    const { fetcher } = fakeFetch({ status: 400, body: { error: { code: 'validation_failed', message: '请求参数有误',
      fields: { case_no: ['不能为空'], scores: { procedure: ['分数应在 0 到 100 之间'] }, title: ['Unknown field.'] } } } })
    const error = await new ApiClient({ fetcher }).change('POST', '/v1/cases', { body: {} }).then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error.fields).toEqual({ case_no: '不能为空', 'scores.procedure': '分数应在 0 到 100 之间',
                                   title: '提交的内容有误，请检查后重试' })
  })

  it('flatten lists of messages and items of lists', () => {
    expect(flattenFields({ items: { 0: { amount_fen: ['应为整数'] } }, tags: ['太长', '重复'] }))
      .toEqual({ 'items.0.amount_fen': '应为整数', tags: '太长；重复' })
    expect(messageFor(504)).toBe('后端服务响应超时，请稍后重试')
  })
})

describe('changes of versioned records', () => {
  it('send If-Match with the version they were decided on', async () => {
    const { fetcher, calls } = fakeFetch({ status: 200, body: { id: 'c1', version: 4 } })
    await new ApiClient({ fetcher }).change('POST', '/v1/cases/c1/assign', { body: { handler_id: 'u2' }, version: 3 })
    expect(header(calls[0].init, 'If-Match')).toBe('"3"')
    expect(header(calls[0].init, 'Content-Type')).toBe('application/json')
  })

  it('send no If-Match without a version', async () => {
    const { fetcher, calls } = fakeFetch({ status: 201, body: { id: 'c1' } })
    await new ApiClient({ fetcher }).change('POST', '/v1/cases', { body: {} })
    expect(header(calls[0].init, 'If-Match')).toBeUndefined()
  })

  it('answered 412 tell the user someone else changed the record and offer the reload', async () => {
    const { fetcher } = fakeFetch({ status: 412, headers: { ETag: '"5"' },
      body: { error: { code: 'precondition_failed', message: '记录已被他人修改', current_version: 5 } } })
    const onStale = vi.fn()
    const reload = vi.fn()
    const error = await new ApiClient({ fetcher, hooks: { onStale } })
      .change('PATCH', '/v1/cases/c1/suspects/s1', { body: {}, version: 3, reload }).then(() => { throw new Error('no failure') }, (exc: ApiError) => exc)
    expect(error.stale).toBe(true)
    expect(error.currentVersion).toBe(5)
    expect(error.handled).toBe(true)
    expect(onStale).toHaveBeenCalledWith(error, reload)
  })
})

describe('queries', () => {
  it('leave out empty filters and keep the cursor as given', async () => {
    const { fetcher, calls } = fakeFetch({ status: 200, body: { items: [], next_cursor: null } })
    await new ApiClient({ fetcher }).get('/v1/cases', { status: 'registered', q: '', department: undefined, cursor: 'abc=', limit: 20 })
    expect(calls[0].url).toBe('/v1/cases?status=registered&cursor=abc%3D&limit=20')
  })
})
