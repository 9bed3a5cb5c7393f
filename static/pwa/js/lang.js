// Run before the first paint (app.js runs later): the page's lang is the user's, for index.html's "Loading…".
try { if (localStorage.getItem('lang') === 'en') document.documentElement.lang = 'en'; } catch { /* Indonesian */ }
