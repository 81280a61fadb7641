// The catalogs, one JSON file per namespace and language. A new namespace is added here in
// both languages (scripts/check-i18n.mjs checks that every file is listed).

import enCommon from "./locales/en/common.json";
import enAuth from "./locales/en/auth.json";
import enMyday from "./locales/en/myday.json";
import enClients from "./locales/en/clients.json";
import enProjects from "./locales/en/projects.json";
import enSessions from "./locales/en/sessions.json";
import enLedger from "./locales/en/ledger.json";
import enTeam from "./locales/en/team.json";
import enSettings from "./locales/en/settings.json";
import enProfile from "./locales/en/profile.json";
import jaCommon from "./locales/ja/common.json";
import jaAuth from "./locales/ja/auth.json";
import jaMyday from "./locales/ja/myday.json";
import jaClients from "./locales/ja/clients.json";
import jaProjects from "./locales/ja/projects.json";
import jaSessions from "./locales/ja/sessions.json";
import jaLedger from "./locales/ja/ledger.json";
import jaTeam from "./locales/ja/team.json";
import jaSettings from "./locales/ja/settings.json";
import jaProfile from "./locales/ja/profile.json";

export const resources = {
  en: {
    common: enCommon,
    auth: enAuth,
    myday: enMyday,
    clients: enClients,
    projects: enProjects,
    sessions: enSessions,
    ledger: enLedger,
    team: enTeam,
    settings: enSettings,
    profile: enProfile,
  },
  ja: {
    common: jaCommon,
    auth: jaAuth,
    myday: jaMyday,
    clients: jaClients,
    projects: jaProjects,
    sessions: jaSessions,
    ledger: jaLedger,
    team: jaTeam,
    settings: jaSettings,
    profile: jaProfile,
  },
} as const;
