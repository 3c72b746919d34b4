// Sample orders for the simulator (copies of schemas/examples/orders/*.json); the admin may paste their own.
export const SAMPLE_ORDERS: { id: string; body: { flow: string; data: Record<string, unknown> } }[] = [
  {
    id: 'large-vip',
    body: {
      flow: 'order-review',
      data: {
        customer: { name: '台北精密機械股份有限公司', tier: 'vip', contact: 'purchase@tp-precision.example.com' },
        ship_to: { address: '台北市內湖區瑞光路 188 號 5 樓' },
        items: [
          { sku: 'MTR-750W', name: '伺服馬達 750W', qty: 12, price: 3800 },
          { sku: 'PLC-CPU16', name: '可程式控制器 CPU16', qty: 4, price: 6500 },
          { sku: 'CBL-ENC-5M', name: '編碼器線 5 米', qty: 20, price: 450 },
        ],
        currency: 'TWD',
        promised_date: '2026-09-30',
      },
    },
  },
  {
    id: 'small-standard',
    body: {
      flow: 'order-review',
      data: {
        customer: { name: '高雄順達五金行', tier: 'standard', contact: 'shunda.hw@example.com' },
        ship_to: { address: '高雄市三民區建工路 72 號' },
        items: [
          { sku: 'BRG-6204', name: '深溝滾珠軸承 6204', qty: 50, price: 85 },
          { sku: 'BLT-M8-30', name: '六角螺栓 M8×30（百入）', qty: 10, price: 320 },
        ],
        currency: 'TWD',
        promised_date: '2026-08-15',
      },
    },
  },
];
