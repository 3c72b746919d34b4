// Package shipping registers the built-in carriers: the delivery companies a shipment
// can name, each with the template of its public tracking page.
package shipping

import "sluice/plugins"

func init() {
	for _, c := range []plugins.Carrier{
		{Key: "tcat", Name: map[string]string{"zh-TW": "黑貓宅急便", "zh-CN": "黑猫宅急便", "en": "T-Cat"},
			TrackingURL: "https://www.t-cat.com.tw/Inquire/TraceDetail.aspx?BillID={tracking}"},
		{Key: "hct", Name: map[string]string{"zh-TW": "新竹物流", "zh-CN": "新竹物流", "en": "HCT Logistics"},
			TrackingURL: "https://www.hct.com.tw/search/searchgoods_n.aspx?no={tracking}"},
		{Key: "chunghwa-post", Name: map[string]string{"zh-TW": "中華郵政", "zh-CN": "中华邮政", "en": "Chunghwa Post"},
			TrackingURL: "https://postserv.post.gov.tw/pstmail/main_mail.html?targetTxn=EB500100&MAILNO={tracking}"},
		{Key: "sf-express", Name: map[string]string{"zh-TW": "順豐速運", "zh-CN": "顺丰速运", "en": "SF Express"},
			TrackingURL: "https://www.sf-express.com/tw/en/dynamic_function/waybill/#search/bill-number/{tracking}"},
		{Key: "dhl", Name: map[string]string{"zh-TW": "DHL 快遞", "zh-CN": "DHL 快递", "en": "DHL Express"},
			TrackingURL: "https://www.dhl.com/tw-en/home/tracking.html?tracking-id={tracking}"},
	} {
		plugins.RegisterCarrier(c)
	}
}
