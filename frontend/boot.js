// Starts the app. A file of its own, not an inline script, so that the page's
// Content-Security-Policy can forbid inline scripts altogether.
import init from "/mediaport_frontend.js";
init({ module_or_path: "/mediaport_frontend_bg.wasm" });
