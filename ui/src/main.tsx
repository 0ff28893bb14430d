import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { invoke } from "@tauri-apps/api/core";
import { App } from "./App";
import { detectTransport } from "./transport";

const transport = detectTransport(window as unknown as { __TAURI_INTERNALS__?: unknown; location: Location }, {
  invoke,
  fetch: window.fetch.bind(window),
});

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App transport={transport} />
    </StrictMode>,
  );
}
