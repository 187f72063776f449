// The state of a select that searches the server as the user types: the latest answer wins
// (slower, older answers are dropped), the first search runs when the list opens, and the
// current value stays among the options so its label shows before any search.
import { computed, ref, type Ref } from 'vue'

export interface Choice {
  value: number
  label: string
}

export function useRemoteChoices<C extends Choice>(
  fetchChoices: (query: string) => Promise<C[]>,
  current: () => C | null,
  keep: (choice: C) => boolean = () => true,
) {
  const found = ref([]) as Ref<C[]>
  const loading = ref(false)
  let latest = 0

  const options = computed<C[]>(() => {
    const now = current()
    const list = found.value.filter((choice) => keep(choice) || choice.value === now?.value)
    if (now && !list.some((choice) => choice.value === now.value)) return [now, ...list]
    return list
  })

  async function search(query: string): Promise<void> {
    const ticket = ++latest
    loading.value = true
    try {
      const result = await fetchChoices(query)
      if (ticket === latest) found.value = result
    } catch {
      if (ticket === latest) found.value = []
    } finally {
      if (ticket === latest) loading.value = false
    }
  }

  function onVisible(open: boolean): void {
    if (open && found.value.length === 0) void search('')
  }

  /** The label of a chosen value, for the update:label event. */
  const labelOf = (id: number | null): string => options.value.find((choice) => choice.value === id)?.label ?? ''

  function reset(): void {
    found.value = []
  }

  return { options, loading, search, onVisible, labelOf, reset }
}
