// The bell in the top bar: the unread count, kept current by the live stream, and the inbox
// in a drawer. The stream stays open while the app is signed in.
import { ActionIcon, Anchor, Drawer, Indicator } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link } from "react-router";
import { useNotifications, useNotificationStream } from "../features/notifications/queries";
import { useTranslation } from "../i18n/react";
import { Inbox } from "./Inbox";

function BellIcon() {
  return (
    <svg
      width="20"
      height="20"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor" // i18n-ignore
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.73 21a2 2 0 0 1-3.46 0" />
    </svg>
  );
}

export function NotificationBell() {
  const { t } = useTranslation("common");
  const [opened, { open, close }] = useDisclosure(false);
  useNotificationStream(true);
  const { data } = useNotifications();
  const unread = data?.unread_count ?? 0;
  return (
    <>
      <Indicator label={unread > 99 ? "99+" : unread} size={16} disabled={unread === 0} offset={4} data-testid="bell-count">
        <ActionIcon
          variant="subtle"
          color="gray"
          size="lg"
          onClick={open}
          aria-label={t("notifications.bellAria", { count: unread })}
          title={t("notifications.bell")}
          data-testid="bell"
          data-unread={unread}
        >
          <BellIcon />
        </ActionIcon>
      </Indicator>
      <Drawer opened={opened} onClose={close} position="right" title={t("notifications.title")} size="md">
        <Anchor component={Link} to="/notifications" size="sm" onClick={close}>
          {t("notifications.seeAll")}
        </Anchor>
        <Inbox onOpen={close} />
      </Drawer>
    </>
  );
}
