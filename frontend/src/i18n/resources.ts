// The catalogs' types, one JSON file per namespace and language (they load when needed:
// ./index.ts). A new namespace is added here in both languages and to `Namespace` in
// ./index.ts (scripts/check-i18n.mjs checks that every file is listed).

import type enCommon from "./locales/en/common.json";
import type enErrors from "./locales/en/errors.json";
import type enWidgets from "./locales/en/widgets.json";
import type enAuth from "./locales/en/auth.json";
import type enMyday from "./locales/en/myday.json";
import type enClients from "./locales/en/clients.json";
import type enProjects from "./locales/en/projects.json";
import type enSessions from "./locales/en/sessions.json";
import type enLedger from "./locales/en/ledger.json";
import type enTeam from "./locales/en/team.json";
import type enSettings from "./locales/en/settings.json";
import type enProfile from "./locales/en/profile.json";
import type enLearnings from "./locales/en/learnings.json";
import type jaCommon from "./locales/ja/common.json";
import type jaErrors from "./locales/ja/errors.json";
import type jaWidgets from "./locales/ja/widgets.json";
import type jaAuth from "./locales/ja/auth.json";
import type jaMyday from "./locales/ja/myday.json";
import type jaClients from "./locales/ja/clients.json";
import type jaProjects from "./locales/ja/projects.json";
import type jaSessions from "./locales/ja/sessions.json";
import type jaLedger from "./locales/ja/ledger.json";
import type jaTeam from "./locales/ja/team.json";
import type jaSettings from "./locales/ja/settings.json";
import type jaProfile from "./locales/ja/profile.json";
import type jaLearnings from "./locales/ja/learnings.json";

export interface Resources {
  en: {
    common: typeof enCommon;
    errors: typeof enErrors;
    widgets: typeof enWidgets;
    auth: typeof enAuth;
    myday: typeof enMyday;
    clients: typeof enClients;
    projects: typeof enProjects;
    sessions: typeof enSessions;
    ledger: typeof enLedger;
    team: typeof enTeam;
    settings: typeof enSettings;
    profile: typeof enProfile;
    learnings: typeof enLearnings;
  };
  ja: {
    common: typeof jaCommon;
    errors: typeof jaErrors;
    widgets: typeof jaWidgets;
    auth: typeof jaAuth;
    myday: typeof jaMyday;
    clients: typeof jaClients;
    projects: typeof jaProjects;
    sessions: typeof jaSessions;
    ledger: typeof jaLedger;
    team: typeof jaTeam;
    settings: typeof jaSettings;
    profile: typeof jaProfile;
    learnings: typeof jaLearnings;
  };
}
