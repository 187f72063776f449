// Whether the server lets the app show its PDFs inside a frame: asked once per page load
// with a HEAD request (the answer's X-Frame-Options and CSP frame-ancestors decide).

let answer: Promise<boolean> | null = null

export function pdfFramable(url: string): Promise<boolean> {
  if (!answer) {
    answer = fetch(url, { method: 'HEAD', credentials: 'same-origin' })
      .then((response) => {
        const xfo = (response.headers.get('x-frame-options') ?? '').trim().toUpperCase()
        const csp = response.headers.get('content-security-policy') ?? ''
        return response.ok && xfo !== 'DENY' && !/frame-ancestors\s+'none'/i.test(csp)
      })
      .catch(() => false)
  }
  return answer
}
