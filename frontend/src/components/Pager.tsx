// Cursor paging: a stack of cursors makes "Previous" possible with keyset pagination.
import { Button, Group } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "../i18n/react";

export function useCursorStack() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function Pager({
  pager,
  nextCursor,
}: {
  pager: ReturnType<typeof useCursorStack>;
  nextCursor: string | null | undefined;
}) {
  const { t } = useTranslation("widgets");
  if (pager.page === 1 && !nextCursor) return null;
  return (
    <Group justify="flex-end" gap="xs">
      <Button size="xs" variant="default" disabled={pager.page === 1} onClick={pager.previous}>
        {t("pager.previous")}
      </Button>
      <Button size="xs" variant="default" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)}>
        {t("pager.next")}
      </Button>
    </Group>
  );
}
