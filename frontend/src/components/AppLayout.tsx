// The frame: left rail, top bar with search, the signed-in person (a link to their profile),
// their balance and sign out.
import { Anchor, AppShell, Badge, Box, Burger, Button, Group, NavLink, Text, Title, Tooltip } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { lazy, Suspense } from "react";
import { Link, NavLink as RouterNavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useDashboard } from "../features/dashboard/queries";
import { useMe } from "../features/users/queries";
import { useAuth } from "../auth";
import { balanceColour, signedMinutes } from "../format";

// The search box (Mantine's combobox) is not needed to show the first screen: it loads after.
const GlobalSearch = lazy(() => import("./GlobalSearch").then((m) => ({ default: m.GlobalSearch })));

function Search() {
  return (
    <Suspense fallback={<Box w={{ base: "100%", sm: 280 }} h={30} />}>
      <GlobalSearch />
    </Suspense>
  );
}

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { data: me } = useMe();
  const { data: dashboard } = useDashboard();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const balance = dashboard?.my_balance.balance_minutes;
  const links = [
    { to: "/", label: "My day", show: true },
    { to: "/clients", label: "Clients", show: true },
    { to: "/projects", label: "Projects", show: true },
    { to: "/sessions", label: "Sessions", show: true },
    { to: "/ledger", label: "Ledger", show: true },
    { to: "/team", label: "Team", show: me?.role === "manager" || me?.role === "admin" },
    { to: "/settings", label: "Settings", show: me?.role === "admin" || me?.role === "manager" },
    { to: "/profile", label: "Profile", show: true },
  ];
  const isActive = (to: string) => (to === "/" ? location.pathname === "/" : location.pathname.startsWith(to));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 210, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={4} visibleFrom="xs">
              Sales Mastermind
            </Title>
            <Title order={5} hiddenFrom="xs">
              Mastermind
            </Title>
          </Group>
          <Box visibleFrom="sm">
            <Search />
          </Box>
          <Group gap="xs" wrap="nowrap">
            {balance !== undefined && (
              <Tooltip label="Minutes given minus minutes received">
                <Badge
                  color={balanceColour(balance)}
                  variant="light"
                  data-testid="balance-badge"
                  aria-label={`Balance ${signedMinutes(balance)}`}
                >
                  {signedMinutes(balance)}
                </Badge>
              </Tooltip>
            )}
            <Tooltip label="Your profile: name, language, password">
              <Anchor component={Link} to="/profile" size="sm" c="inherit" visibleFrom="md" data-testid="signed-in-as">
                {me?.full_name}
              </Anchor>
            </Tooltip>
            <Button
              variant="subtle"
              size="xs"
              onClick={async () => {
                await signOut();
                navigate("/login");
              }}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <Box hiddenFrom="sm" mb="xs">
          <Search />
        </Box>
        {links
          .filter((link) => link.show)
          .map((link) => (
            <NavLink
              key={link.to}
              component={RouterNavLink}
              to={link.to}
              label={link.label}
              active={isActive(link.to)}
              onClick={close}
            />
          ))}
        {me && (
          <Text size="xs" c="dimmed" mt="auto" p="xs">
            {me.organization.name} · {me.role}
          </Text>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
