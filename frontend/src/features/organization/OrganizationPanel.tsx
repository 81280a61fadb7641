// The organization's settings on the Settings screen: everyone reads them, admins change them
// (saved with If-Match from the read; a stale read is 412, shown and read again).
import { Alert, Button, Group, SegmentedControl, Select, Stack, Switch, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMemo } from "react";
import { ApiError } from "../../api/problem";
import { checkLength, rule } from "../../api/rules";
import type { Schemas } from "../../api/types";
import { applyApiError, notifySaved, notifyWarning } from "../../components/forms";
import { QueryState } from "../../components/states";
import { absoluteTime, relativeTime } from "../../format";
import { currentLanguage, LANGUAGE_NAMES } from "../../i18n";
import { Locale } from "../../api/enums";
import { useOrganization, useUpdateOrganization, type Organization } from "./queries";
import { useTranslation } from "../../i18n/react";

/** The twelve months, named in the current language. */
export function months(): { value: string; label: string }[] {
  const monthName = new Intl.DateTimeFormat(currentLanguage(), { month: "long", timeZone: "UTC" });
  return Array.from({ length: 12 }, (_, i) => ({ value: String(i + 1), label: monthName.format(new Date(Date.UTC(2026, i, 1))) }));
}

export const LANGUAGES: { value: Schemas["Locale"]; label: string }[] = Locale.map((value) => ({ value, label: LANGUAGE_NAMES[value] }));

/** Every zone the browser knows, and `current` even when it does not list it (UTC). */
export function timeZones(current: string): string[] {
  const known = Intl.supportedValuesOf("timeZone");
  return [current, "UTC"].filter((zone) => !known.includes(zone)).filter((z, i, a) => a.indexOf(z) === i).concat(known);
}


/** ISO 4217 codes with their names ("JPY — Japanese Yen"), `current` always among them. */
export function currencies(current: string): { value: string; label: string }[] {
  const known = Intl.supportedValuesOf("currency");
  const codes = known.includes(current) ? known : [current, ...known];
  const currencyNames = new Intl.DisplayNames(currentLanguage(), { type: "currency" });
  return codes.map((code) => ({ value: code, label: `${code} — ${currencyNames.of(code) ?? code}` }));
}

interface Values {
  name: string;
  time_zone: string;
  fiscal_year_start_month: string;
  default_currency: string;
  locale: Schemas["Locale"];
  share_closed_learnings: boolean;
}

function valuesOf(o: Organization): Values {
  return {
    name: o.name,
    time_zone: o.time_zone,
    fiscal_year_start_month: String(o.fiscal_year_start_month),
    default_currency: o.default_currency,
    locale: o.locale,
    share_closed_learnings: o.share_closed_learnings,
  };
}

/** Only what changed, as the API takes it. */
export function changedSettings(before: Organization, values: Values): Schemas["OrganizationUpdate"] {
  const body: Schemas["OrganizationUpdate"] = {};
  if (values.name !== before.name) body.name = values.name.trim();
  if (values.time_zone !== before.time_zone) body.time_zone = values.time_zone;
  if (Number(values.fiscal_year_start_month) !== before.fiscal_year_start_month) body.fiscal_year_start_month = Number(values.fiscal_year_start_month);
  if (values.default_currency !== before.default_currency) body.default_currency = values.default_currency;
  if (values.locale !== before.locale) body.locale = values.locale;
  if (values.share_closed_learnings !== before.share_closed_learnings) body.share_closed_learnings = values.share_closed_learnings;
  return body;
}

function LedgerRebuilt({ at }: { at: string | null }) {
  const { t } = useTranslation("settings");
  if (!at) return null;
  return (
    <Tooltip label={absoluteTime(at)}>
      <Text size="sm" c="dimmed" data-testid="ledger-rebuilt">
        {t("organization.rebuilt", { when: relativeTime(at) })}
      </Text>
    </Tooltip>
  );
}


function OrganizationForm({
  organization,
  etag,
  save,
}: {
  organization: Organization;
  etag: string | null;
  save: ReturnType<typeof useUpdateOrganization>;
}) {
  const { t } = useTranslation("settings");
  const form = useForm<Values>({
    initialValues: valuesOf(organization),
    validate: { name: (value) => checkLength(value, rule("OrganizationUpdate", "name")) },
  });
  // Built once per value, not on every keystroke: some 420 zones and 160 currencies.
  const zones = useMemo(() => timeZones(organization.time_zone), [organization.time_zone]);
  const currencyChoices = useMemo(() => currencies(organization.default_currency), [organization.default_currency]);
  const submit = (values: Values) => {
    const body = changedSettings(organization, values);
    save.mutate(
      { body, etag },
      {
        onSuccess: ({ organization: saved }) =>
          notifySaved(body.time_zone ? t("organization.savedRebuilt", { zone: saved.time_zone }) : t("organization.saved")),
        onError: (error) => {
          if (error instanceof ApiError && error.status === 412) {
            notifyWarning(t("organization.notSaved"), t("organization.stale"));
            return;
          }
          applyApiError(form, error);
        },
      },
    );
  };
  return (
    <form onSubmit={form.onSubmit(submit)} aria-label={t("organization.formAria")}>
      <Stack maw={560}>
        <TextInput label={t("organization.name")} {...form.getInputProps("name")} />
        <Select
          label={t("organization.timeZone")}
          description={t("organization.zoneHint")}
          searchable
          limit={100}
          nothingFoundMessage={t("organization.noZone")}
          allowDeselect={false}
          data={zones}
          {...form.getInputProps("time_zone")}
        />
        <LedgerRebuilt at={organization.ledger_rebuilt_at} />
        <Select
          label={t("organization.fiscalStart")}
          description={t("organization.fiscalHint")}
          allowDeselect={false}
          data={months()}
          {...form.getInputProps("fiscal_year_start_month")}
        />
        <Select
          label={t("organization.currency")}
          description={t("organization.currencyHint")}
          searchable
          limit={100}
          nothingFoundMessage={t("organization.noCurrency")}
          allowDeselect={false}
          data={currencyChoices}
          {...form.getInputProps("default_currency")}
        />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="org-language">
            {t("organization.language")}
          </Text>
          <SegmentedControl aria-labelledby="org-language" data={LANGUAGES} {...form.getInputProps("locale")} w="fit-content" />
          <Text size="xs" c="dimmed">
            {t("organization.languageHint")}
          </Text>
        </Stack>
        <Switch
          label={t("organization.share")}
          description={t("organization.shareHint")}
          {...form.getInputProps("share_closed_learnings", { type: "checkbox" })}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => form.reset()} disabled={!form.isDirty()}>
            {t("organization.reset")}
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
            {t("organization.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function OrganizationValues({ organization }: { organization: Organization }) {
  const { t } = useTranslation("settings");
  const rows: [string, string][] = [
    [t("organization.name"), organization.name],
    [t("organization.timeZone"), organization.time_zone],
    [t("organization.fiscalStart"), months()[organization.fiscal_year_start_month - 1]?.label ?? String(organization.fiscal_year_start_month)],
    [t("organization.currency"), currencies(organization.default_currency).find((c) => c.value === organization.default_currency)?.label ?? organization.default_currency],
    [t("organization.language"), LANGUAGES.find((l) => l.value === organization.locale)?.label ?? organization.locale],
    [t("organization.share"), organization.share_closed_learnings ? t("organization.yes") : t("organization.no")],
  ];
  return (
    <Stack maw={560}>
      <Alert variant="light" color="gray">
        {t("organization.adminsOnly")}
      </Alert>
      <Table data-testid="organization-values">
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th w={220}>{label}</Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <LedgerRebuilt at={organization.ledger_rebuilt_at} />
    </Stack>
  );
}

export function OrganizationPanel({ canEdit }: { canEdit: boolean }) {
  const organization = useOrganization();
  // Held here, not in the form: a saved answer restarts the form (its key), and the save's
  // callbacks still run.
  const save = useUpdateOrganization();
  return (
    <QueryState query={organization} retry>
      {({ organization: o, etag }) =>
        canEdit ? (
          // A new read (saved, or someone else's change after a 412) starts the form afresh.
          <OrganizationForm key={etag ?? o.updated_at} organization={o} etag={etag} save={save} />
        ) : (
          <OrganizationValues organization={o} />
        )
      }
    </QueryState>
  );
}
