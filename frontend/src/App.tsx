// Providers and routes. Pages live in routes/; every page but sign-in sits behind RequireAuth.
import { MantineProvider, createTheme } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, RouterProvider, Outlet } from "react-router";
import { lazy, Suspense, useEffect, useState, type ComponentType } from "react";
import { ApiError } from "./api/problem";
import { setAuthLostHandler } from "./api/client";
import { AuthProvider, RequireAuth } from "./auth";
import { currentLanguage, loadNamespace } from "./i18n";
import { AppLayout } from "./components/AppLayout";
import { MyDayPage } from "./routes/MyDay";
import { NotFoundPage } from "./routes/NotFound";
import { RouteError } from "./routes/RouteError";
import { Loading } from "./components/states";

// Every page but My day (the first screen) is its own chunk, loaded when first opened, so a
// phone downloads only what the first screen needs; sign-in too, since someone signed in
// (most visits) never needs it, and forms (@mantine/form) come with it.
const page = (load: () => Promise<Record<string, unknown>>, name: string) => async () => ({
  Component: (await load())[name] as ComponentType,
});

// Notifications (saved, failed) render from their first message on (components/forms.ts).
const Notifications = lazy(() => import("@mantine/notifications").then((m) => ({ default: m.Notifications })));

// The sign-in pages with their words (the first screen's catalogs do not hold them).
const signInPage = () =>
  Promise.all([import("./routes/Login"), loadNamespace(currentLanguage(), "auth")]).then(([module]) => module);

const theme = createTheme({ primaryColor: "indigo", defaultRadius: "md" });

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Problems the user caused (4xx) do not get better by retrying.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
        refetchOnWindowFocus: true,
        staleTime: 10_000,
      },
    },
  });
}

function Root() {
  return (
    <AuthProvider>
      <Outlet />
    </AuthProvider>
  );
}

const router = createBrowserRouter([
  {
    element: <Root />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
    children: [
      { path: "/login", lazy: page(signInPage, "LoginPage") },
      { path: "/register", lazy: page(signInPage, "RegisterPage") },
      {
        element: (
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        ),
        children: [
          {
            errorElement: <RouteError />,
            children: [
              { index: true, element: <MyDayPage /> },
              { path: "clients", lazy: page(() => import("./routes/Clients"), "ClientsPage") },
              { path: "clients/:clientId", lazy: page(() => import("./routes/ClientPage"), "ClientPage") },
              { path: "projects", lazy: page(() => import("./routes/Projects"), "ProjectsPage") },
              { path: "projects/:projectId", lazy: page(() => import("./routes/ProjectPage"), "ProjectPage") },
              { path: "sessions", lazy: page(() => import("./routes/Sessions"), "SessionsPage") },
              { path: "sessions/:sessionId", lazy: page(() => import("./routes/SessionRoom"), "SessionRoomPage") },
              { path: "sessions/:sessionId/outcome", lazy: page(() => import("./routes/Outcome"), "OutcomePage") },
              { path: "ledger", lazy: page(() => import("./routes/Ledger"), "LedgerPage") },
              { path: "team", lazy: page(() => import("./routes/Team"), "TeamPage") },
              { path: "record", lazy: page(() => import("./routes/ContributionRecordPage"), "ContributionRecordPage") },
              { path: "people/:userId/record", lazy: page(() => import("./routes/ContributionRecordPage"), "ContributionRecordPage") },
              { path: "settings", lazy: page(() => import("./routes/Settings"), "SettingsPage") },
              { path: "profile", lazy: page(() => import("./routes/Profile"), "ProfilePage") },
              { path: "notifications", lazy: page(() => import("./routes/Notifications"), "NotificationsPage") },
              { path: "*", element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
]);

export function App() {
  const [queryClient] = useState(makeQueryClient);
  useEffect(() => {
    setAuthLostHandler(() => {
      queryClient.clear();
      const next = encodeURIComponent(location.pathname + location.search);
      if (!location.pathname.startsWith("/login")) router.navigate(`/login?next=${next}`);
    });
  }, [queryClient]);
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Suspense>
        <Notifications position="top-right" />
      </Suspense>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
