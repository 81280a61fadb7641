// Query-key factories, one per resource, so mutations invalidate exactly what they change.
export const keys = {
  me: ["me"] as const,
  dashboard: ["dashboard"] as const,
  invitations: ["invitations"] as const,
  users: {
    all: ["users"] as const,
    list: (params: object) => ["users", "list", params] as const,
  },
  teams: { all: ["teams"] as const },
  clients: {
    all: ["clients"] as const,
    list: (params: object) => ["clients", "list", params] as const,
    one: (id: string) => ["clients", "one", id] as const,
    contacts: (id: string) => ["clients", "contacts", id] as const,
  },
  projects: {
    all: ["projects"] as const,
    list: (params: object) => ["projects", "list", params] as const,
    one: (id: string) => ["projects", "one", id] as const,
    members: (id: string) => ["projects", "members", id] as const,
    progress: (id: string) => ["projects", "progress", id] as const,
    suggested: (id: string) => ["projects", "suggested", id] as const,
    sessions: (id: string) => ["projects", "sessions", id] as const,
    actionItems: (id: string) => ["projects", "action-items", id] as const,
    timeEntries: (id: string) => ["projects", "time-entries", id] as const,
  },
  sessions: {
    all: ["sessions"] as const,
    list: (params: object) => ["sessions", "list", params] as const,
    one: (id: string) => ["sessions", "one", id] as const,
    contributions: (id: string) => ["sessions", "contributions", id] as const,
    outcome: (id: string) => ["sessions", "outcome", id] as const,
    takeaways: (id: string) => ["sessions", "takeaways", id] as const,
    presence: (id: string) => ["sessions", "presence", id] as const,
  },
  actionItems: { all: ["action-items"] as const, mine: (userId: string) => ["action-items", "mine", userId] as const },
  ledger: {
    all: ["ledger"] as const,
    list: (params: object) => ["ledger", "list", params] as const,
    user: (id: string) => ["ledger", "user", id] as const,
  },
  integrations: {
    crm: ["integrations", "crm"] as const,
    apiKeys: ["integrations", "api-keys"] as const,
    webhooks: ["integrations", "webhooks"] as const,
    deliveries: (id: string) => ["integrations", "deliveries", id] as const,
  },
};
