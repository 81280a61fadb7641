// The in-app 404: an unknown client-side route.
import { Anchor, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "../i18n/react";
import { Link } from "react-router";

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={2}>{t("notFound.title")}</Title>
      <Text>{t("notFound.text")}</Text>
      <Anchor component={Link} to="/">
        {t("notFound.back")}
      </Anchor>
    </Stack>
  );
}
