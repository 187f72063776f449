// Simplified Chinese UI texts. en.ts must have exactly the same keys (checked by the type).

const zhCN = {
  app: {
    name: 'Rapport',
    tagline: '客户关系管理',
    loading: '加载中…',
  },
  language: {
    label: '语言',
    'zh-CN': '中文',
    en: 'English',
  },
  nav: {
    menu: '主菜单',
    dashboard: '工作台',
    customers: '客户',
    contacts: '联系人',
    leads: '线索',
    opportunities: '商机',
    activities: '跟进记录',
    products: '产品',
    quotes: '报价单',
    orders: '订单',
    contracts: '合同',
    payments: '回款',
    invoices: '发票',
    tickets: '工单',
    knowledge: '知识库',
    calendar: '日程',
    announcements: '公告',
    approvals: '审批',
    expenses: '费用',
    reports: '报表',
    settings: '设置',
  },
  login: {
    title: '登录',
    username: '用户名',
    password: '密码',
    usernamePlaceholder: '请输入用户名',
    passwordPlaceholder: '请输入密码',
    usernameRequired: '请输入用户名',
    passwordRequired: '请输入密码',
    submit: '登录',
    failed: '登录失败，请稍后重试',
    networkError: '无法连接服务器，请检查网络后重试',
  },
  header: {
    logout: '退出登录',
  },
  comingSoon: {
    title: '即将推出',
    description: '这个模块正在开发中，即将推出。',
  },
  notFound: {
    title: '页面不存在',
    description: '您访问的页面不存在或已被移除。',
    backHome: '返回工作台',
  },
}

export type MessageSchema = typeof zhCN

export default zhCN
