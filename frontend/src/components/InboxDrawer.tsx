// The inbox in a drawer, opened from the bell. Its own chunk: the drawer (portal, focus trap,
// scroll area) and the inbox load on the first click, not with the first screen.
import { Anchor, Drawer } from "@mantine/core";
import { Link } from "react-router";
import { useTranslation } from "../i18n/react";
import { Inbox } from "./Inbox";

export function InboxDrawer({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation("common");
  return (
    <Drawer opened={opened} onClose={onClose} position="right" title={t("notifications.title")} size="md">
      <Anchor component={Link} to="/notifications" size="sm" onClick={onClose}>
        {t("notifications.seeAll")}
      </Anchor>
      <Inbox onOpen={onClose} />
    </Drawer>
  );
}
