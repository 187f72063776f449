// Vite build of the Rapport web app. Run from the repository root:
//   npm run build:web   (writes web/dist, which the server embeds)
//   npm run dev:web     (dev server; /api is proxied to RAPPORT_API or 127.0.0.1:8080)
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const webDir = fileURLToPath(new URL('.', import.meta.url))
const fromWeb = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: webDir,
  base: '/',
  plugins: [
    vue(),
    // Element Plus is imported per component (and per function, e.g. ElMessage), never whole.
    AutoImport({
      resolvers: [ElementPlusResolver()],
      dts: fromWeb('./src/types/auto-imports.d.ts'),
    }),
    Components({
      resolvers: [ElementPlusResolver()],
      dirs: [], // our own components are imported explicitly
      dts: fromWeb('./src/types/components.d.ts'),
    }),
  ],
  resolve: {
    alias: { '@': fromWeb('./src') },
  },
  define: {
    // vue-i18n: Composition API only, no devtools; messages are compiled to an AST
    // at run time (no eval), which the Content-Security-Policy requires.
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: fromWeb('./dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // The framework every page needs goes in one long-cached chunk. Element Plus is
        // left to route-level splitting so the login page only loads the parts it uses.
        codeSplitting: {
          groups: [
            {
              name: 'vue',
              test: /[\\/]node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/,
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': process.env.RAPPORT_API ?? 'http://127.0.0.1:8080',
    },
  },
})
