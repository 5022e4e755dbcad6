-- The payer wallet lists a channel's refunds and the payouts that paid them (issue 10):
-- GET /v1/channels/{id}/refunds reads both by channel, in id (time) order.
CREATE INDEX refunds_channel ON refunds(channel_id, id);
CREATE INDEX payouts_channel ON payouts(channel_id, id);
