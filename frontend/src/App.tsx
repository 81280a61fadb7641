// Providers and routes. Pages live in routes/; every page but sign-in sits behind RequireAuth.
import { MantineProvider, createTheme } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, RouterProvider, Outlet } from "react-router";
import { useEffect, useState } from "react";
import { ApiError } from "./api/problem";
import { setAuthLostHandler } from "./api/client";
import { AuthProvider, RequireAuth } from "./auth";
import { AppLayout } from "./components/AppLayout";
import { LoginPage, RegisterPage } from "./routes/Login";
import { MyDayPage } from "./routes/MyDay";
import { ClientsPage } from "./routes/Clients";
import { ClientPage } from "./routes/ClientPage";
import { ProjectsPage } from "./routes/Projects";
import { ProjectPage } from "./routes/ProjectPage";
import { SessionsPage } from "./routes/Sessions";
import { SessionRoomPage } from "./routes/SessionRoom";
import { OutcomePage } from "./routes/Outcome";
import { LedgerPage } from "./routes/Ledger";
import { TeamPage } from "./routes/Team";
import { SettingsPage } from "./routes/Settings";
import { NotFoundPage } from "./routes/NotFound";
import { RouteError } from "./routes/RouteError";

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
    children: [
      { path: "/login", element: <LoginPage /> },
      { path: "/register", element: <RegisterPage /> },
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
              { path: "clients", element: <ClientsPage /> },
              { path: "clients/:clientId", element: <ClientPage /> },
              { path: "projects", element: <ProjectsPage /> },
              { path: "projects/:projectId", element: <ProjectPage /> },
              { path: "sessions", element: <SessionsPage /> },
              { path: "sessions/:sessionId", element: <SessionRoomPage /> },
              { path: "sessions/:sessionId/outcome", element: <OutcomePage /> },
              { path: "ledger", element: <LedgerPage /> },
              { path: "team", element: <TeamPage /> },
              { path: "settings", element: <SettingsPage /> },
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
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
