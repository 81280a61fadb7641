// Entry point: the first screen's words in the language to start in, then providers (Mantine,
// TanStack Query, notifications, auth) and the router.
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "@mantine/charts/styles.css";
import "./app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { startI18n } from "./i18n";
import { App } from "./App";

void startI18n().then(() =>
  createRoot(document.getElementById("root")!, {
    // React recovers from some render errors by rendering again; say what the error was
    // (its cause), or the console only shows a numbered wrapper in production.
    onRecoverableError: (error) => console.error("Recovered from a render error:", error instanceof Error && error.cause instanceof Error ? error.cause.message : error),
  }).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
