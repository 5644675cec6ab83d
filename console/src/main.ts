import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { api } from './api'
import { makeRouter } from './router'

const app = createApp(App)
const router = makeRouter()
app.use(createPinia())
app.use(router)

api.hooks = {
  // The session ended (expired, logged out elsewhere, account changed): log in again, come back here.
  onUnauthorized() {
    const here = router.currentRoute.value
    if (here.name !== 'login') void router.replace({ name: 'login', query: { redirect: here.fullPath } })
  },
  // A change from a stale version (412): say so, and offer the record as it is now.
  onStale(_error, reload) {
    ElMessageBox.confirm('该记录已被他人修改，您的更改未保存。是否重新加载最新内容后再操作？', '记录已变更', {
      confirmButtonText: '重新加载', cancelButtonText: '取消', type: 'warning',
    }).then(() => reload?.(), () => undefined)
  },
}

// A page's code that cannot be loaded (a new version was deployed meanwhile, the network): say so.
router.onError(() => {
  ElMessage.error({ message: '页面加载失败，请刷新浏览器后重试', duration: 0, showClose: true })
})

app.mount('#app')
