// English UI texts; same keys as zh-CN.ts.

import type { MessageSchema } from './zh-CN'

const en: MessageSchema = {
  app: {
    name: 'Rapport',
    tagline: 'Customer relationship management',
    loading: 'Loading…',
  },
  language: {
    label: 'Language',
    'zh-CN': '中文',
    en: 'English',
  },
  nav: {
    menu: 'Main menu',
    dashboard: 'Dashboard',
    customers: 'Customers',
    contacts: 'Contacts',
    leads: 'Leads',
    opportunities: 'Opportunities',
    activities: 'Activities',
    products: 'Products',
    quotes: 'Quotes',
    orders: 'Orders',
    contracts: 'Contracts',
    payments: 'Payments',
    invoices: 'Invoices',
    tickets: 'Tickets',
    knowledge: 'Knowledge base',
    calendar: 'Calendar',
    announcements: 'Announcements',
    approvals: 'Approvals',
    expenses: 'Expenses',
    reports: 'Reports',
    settings: 'Settings',
  },
  login: {
    title: 'Sign in',
    username: 'Username',
    password: 'Password',
    usernamePlaceholder: 'Enter your username',
    passwordPlaceholder: 'Enter your password',
    usernameRequired: 'Please enter your username',
    passwordRequired: 'Please enter your password',
    submit: 'Sign in',
    failed: 'Sign-in failed, please try again later',
    networkError: 'Cannot reach the server, please check your network and try again',
  },
  header: {
    logout: 'Log out',
  },
  comingSoon: {
    title: 'Coming soon',
    description: 'This area is being built and is coming soon.',
  },
  notFound: {
    title: 'Page not found',
    description: 'The page you asked for does not exist or has been removed.',
    backHome: 'Back to the dashboard',
  },
}

export default en
