// The in-app 404: an unknown client-side route.
import { Anchor, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <Stack>
      <Title order={2}>Not found</Title>
      <Text>This page does not exist.</Text>
      <Anchor component={Link} to="/">
        Back to My day
      </Anchor>
    </Stack>
  );
}
