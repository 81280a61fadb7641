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
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
