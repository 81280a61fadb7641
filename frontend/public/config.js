// Runtime settings, read before the app starts. On a static host, set apiBaseUrl to the API's
// origin (e.g. "https://api.example.com") instead of rebuilding with VITE_API_BASE_URL.
window.MASTERMIND_CONFIG = window.MASTERMIND_CONFIG || {};
