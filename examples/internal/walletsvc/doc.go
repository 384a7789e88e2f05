// Package walletsvc is wstack's wallet example service: the W-Stack's
// credential retrieval service, credential storage service and holder in
// one, built from oid4vci/wallet, oid4vp/wallet, presentation/dcql and
// presentation/pex.
//
// Routes (every one authenticated through svc.Protect):
//
//	PUT    /v1/tenants/{tenant}/offering/retrieve/{group}            offer link or JSON → pending offering
//	GET    /v1/tenants/{tenant}/offering/list/{group}                pending offerings (display data, tx_code shape)
//	DELETE /v1/tenants/{tenant}/offering/clear/{group}/{request}     Acceptance → accept (retrieve, store) or reject
//	GET    /v1/tenants/{tenant}/storage/{account}/credentials        metadata (?include=claims, ?include=raw)
//	GET    /v1/tenants/{tenant}/storage/{account}/credentials/{id}   one credential
//	DELETE /v1/tenants/{tenant}/storage/{account}/credentials/{id}   delete
//	POST   /v1/tenants/{tenant}/storage/{account}/credentials/query  DCQL query or PE definition → matches
//	POST   /v1/tenants/{tenant}/presentation/authorize/{account}     openid4vp link → presentation posted
//	GET    /v1/metrics/health
//
// Accounts: the storage account of an offering group is the group itself
// (tenant + group id); the presentation and storage routes name it
// {account}. Each account's credentials are sealed with AES-256-GCM under a
// per-account data key that the crypto.Engine's AES key {tenant, "storage",
// account} wraps (see Store).
package walletsvc
