import { createRouter, createWebHistory, type Router } from 'vue-router'
import { api } from './api'

// Every page path's first segment is listed in gateway/console.py (PAGES), which serves
// index.html for it; a new top-level page adds its name there too.
export function makeRouter(): Router {
  const router = createRouter({
    history: createWebHistory('/'),
    routes: [
      { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: '登录' } },
      {
        path: '/',
        component: () => import('./layout/AppLayout.vue'),
        children: [
          { path: '', redirect: { name: 'workbench' } },
          { path: 'workbench', name: 'workbench', component: () => import('./views/WorkbenchView.vue'), meta: { title: '工作台' } },
          { path: 'cases', name: 'cases', component: () => import('./views/CasesView.vue'), meta: { title: '案件管理' } },
          { path: 'cases/:id', name: 'case', component: () => import('./views/CaseCardView.vue'), props: true, meta: { title: '案件详情' } },
        ],
      },
      { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { public: true, title: '页面不存在' } },
    ],
  })
  router.beforeEach((to) => {
    if (!to.meta.public && !api.signedIn) return { name: 'login', query: { redirect: to.fullPath } }
    if (to.name === 'login' && api.signedIn) return { name: 'workbench' }
  })
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title as string} · 智慧平检` : '智慧平检'
  })
  return router
}

/** Where to go after a login: the page the user was on, when it is one of ours. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login')
    ? value : '/workbench'
}
