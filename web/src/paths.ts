/** Where the app lands after login, and the login page itself. */
export const homePath = '/connections';
export const loginPath = '/login';
