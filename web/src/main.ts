// Entry point: Vue + Pinia + vue-i18n + vue-router. Element Plus components are
// imported per component by the build (unplugin-vue-components), never whole.

import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { router, loginRoute } from './router'
import { setUnauthorizedHandler } from './api/http'
import { useSessionStore } from './stores/session'
import './styles/base.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

// A 401 on any ordinary request means the session is gone: back to the login page.
setUnauthorizedHandler(() => {
  useSessionStore(pinia).clear()
  const current = router.currentRoute.value
  if (!current.meta.public) void router.replace(loginRoute(current.fullPath))
})

app.mount('#app')
