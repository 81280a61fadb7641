// A status as a coloured badge (one colour per status across the app).
import { Badge } from "@mantine/core";
import { label, statusColour } from "../format";

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={statusColour(status)} variant="light" size="sm">
      {label(status)}
    </Badge>
  );
}
