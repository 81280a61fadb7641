// The bell in the top bar: the unread count, kept current by the live stream, and the inbox
// in a drawer (loaded on the first click: the first screen stays within its size budget).
// The stream stays open while the app is signed in.
import { ActionIcon, Indicator } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { lazy, Suspense, useState } from "react";
import { useNotifications, useNotificationStream } from "../features/notifications/queries";
import { useTranslation } from "../i18n/react";

const InboxDrawer = lazy(() => import("./InboxDrawer").then((m) => ({ default: m.InboxDrawer })));

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
  // Mounted from the first opening on, so closing keeps the drawer's exit animation.
  const [wanted, setWanted] = useState(false);
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
          onClick={() => {
            setWanted(true);
            open();
          }}
          aria-label={t("notifications.bellAria", { count: unread })}
          title={t("notifications.bell")}
          data-testid="bell"
          data-unread={unread}
        >
          <BellIcon />
        </ActionIcon>
      </Indicator>
      {wanted && (
        <Suspense fallback={null}>
          <InboxDrawer opened={opened} onClose={close} />
        </Suspense>
      )}
    </>
  );
}
