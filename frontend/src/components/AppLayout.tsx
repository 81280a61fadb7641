// The frame: left rail, top bar with search, the signed-in person (a link to their profile),
// their balance and sign out.
import { Anchor, AppShell, Badge, Box, Burger, Button, Group, NavLink, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { lazy, Suspense } from "react";
import { Link, NavLink as RouterNavLink, Outlet, useLocation, useNavigate } from "react-router";
import { useDashboard } from "../features/dashboard/queries";
import { useMe } from "../features/users/queries";
import { useAuth } from "../auth";
import { LanguageSync } from "../i18n/LanguageSync";
import { Loading } from "./states";
import { NotificationBell } from "./NotificationBell";
import { balanceColour, label, signedMinutes } from "../format";
import { useTranslation } from "../i18n/react";

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
  const { t } = useTranslation("common");
  const [opened, { toggle, close }] = useDisclosure();
  const { data: me } = useMe();
  const { data: dashboard } = useDashboard();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const balance = dashboard?.my_balance.balance_minutes;
  const links = [
    { to: "/", label: t("nav.myDay"), show: true },
    { to: "/clients", label: t("nav.clients"), show: true },
    { to: "/projects", label: t("nav.projects"), show: true },
    { to: "/sessions", label: t("nav.sessions"), show: true },
    { to: "/ledger", label: t("nav.ledger"), show: true },
    { to: "/team", label: t("nav.team"), show: me?.role === "manager" || me?.role === "admin" },
    { to: "/settings", label: t("nav.settings"), show: me?.role === "admin" || me?.role === "manager" },
    { to: "/profile", label: t("nav.profile"), show: true },
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
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("nav.toggle")} />
            <Title order={4} visibleFrom="xs">
              {t("nav.product")}
            </Title>
            <Title order={5} hiddenFrom="xs">
              {t("nav.productShort")}
            </Title>
          </Group>
          <Box visibleFrom="sm">
            <Search />
          </Box>
          <Group gap="xs" wrap="nowrap">
            <NotificationBell />
            {balance !== undefined && (
              // A native tooltip: Mantine's would bring its positioning library to the first screen.
              <Badge
                color={balanceColour(balance)}
                variant="light"
                data-testid="balance-badge"
                title={t("nav.balanceHint")}
                aria-label={t("nav.balance", { minutes: signedMinutes(balance) })}
              >
                {signedMinutes(balance)}
              </Badge>
            )}
            <Anchor
              component={Link}
              to="/profile"
              size="sm"
              c="inherit"
              visibleFrom="md"
              data-testid="signed-in-as"
              title={t("nav.profileHint")}
            >
              {me?.full_name}
            </Anchor>
            <Button
              variant="subtle"
              size="xs"
              onClick={async () => {
                await signOut();
                navigate("/login");
              }}
            >
              {t("nav.signOut")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("nav.main")}>
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
            {me.organization.name} · {label(me.role)}
          </Text>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <LanguageSync />
        {/* A screen whose words are still loading (src/i18n) shows this for that moment. */}
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
