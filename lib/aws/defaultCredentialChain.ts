import { type EnvironmentCredentials, environmentCredentials } from './credentials'

/**
 * Build-time stand-in for `@aws-sdk/credential-provider-node` (serverless.yml `custom.esbuild.alias`). Every SDK
 * client imports that package's default chain statically (SSO, STS, IMDS, INI: ~130 KB of nested clients per
 * bundle) even when it is given credentials; in a bundle, the chain is the environment, which is where Lambda puts
 * the function's credentials. Never imported by the code itself.
 */
export const defaultProvider = (): (() => Promise<EnvironmentCredentials>) => environmentCredentials
