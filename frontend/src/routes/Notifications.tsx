// Every notification of one's own, on a page of its own (help request mails link here).
import { Stack, Title } from "@mantine/core";
import { Inbox } from "../components/Inbox";
import { useTranslation } from "../i18n/react";

export function NotificationsPage() {
  const { t } = useTranslation("common");
  return (
    <Stack maw={720}>
      <Title order={2}>{t("notifications.title")}</Title>
      <Inbox limit={200} />
    </Stack>
  );
}
