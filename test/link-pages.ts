/** A browser's requests to payment link pages /l/{id}, against a test hub (links tests share them). */
import type { hub } from "./helpers";

type Hub = ReturnType<typeof hub>;

/** `press` posts the page's form (no body; the cookie, if any); `page` views it; `invoiceOf` reads a redirect's invoice. */
export function linkPages(h: Hub, key: () => string) {
  async function press(path: string, cookie?: string) {
    const res = await h.app.request(
      path,
      { method: "POST", headers: cookie ? { cookie } : {}, redirect: "manual" },
      h.env,
    );
    const setCookie = res.headers.get("set-cookie");
    return {
      status: res.status,
      location: res.headers.get("location"),
      cookie: setCookie ? setCookie.split(";")[0]! : cookie,
      setCookie,
      text: await res.text(),
    };
  }
  const page = async (path: string) => {
    const res = await h.app.request(path, {}, h.env);
    return { status: res.status, headers: res.headers, html: await res.text() };
  };
  const invoiceOf = async (location: string, merchantKey = key()) =>
    (await h.call("GET", `/v1/invoices/${location.split("/").pop()}`, { key: merchantKey })).body;
  return { press, page, invoiceOf };
}
