// Production deployment of Presence Sync: one Linux App Service (the restify server serving API, bot,
// webhooks and the built tab), Azure Database for PostgreSQL (flexible server), Key Vault holding the
// secrets the app reads through Key Vault references, a user-assigned identity, and the bot registration.

@maxLength(20)
@minLength(4)
@description('Used to name every resource in this file')
param resourceBaseName string

@description('App Service plan SKU (B1 is the smallest that keeps Always On)')
param webAppSku string = 'B1'

param location string = resourceGroup().location

@description('Entra app (SSO + Graph) client id, from aadApp/create')
param aadAppClientId string

@description('Entra tenant id')
param aadAppTenantId string

@description('Bot app id (single-tenant Entra app)')
param botAadAppClientId string

@secure()
@description('Bot app secret; stored in Key Vault')
param botAadAppClientSecret string

@description('PostgreSQL administrator login')
param postgresAdminLogin string = 'presencesync'

@secure()
@description('PostgreSQL administrator password; stored in Key Vault as part of DATABASE_URL')
param postgresAdminPassword string

@secure()
@description('32 bytes, base64: encrypts connection secrets at rest (openssl rand -base64 32)')
param encryptionKey string

@maxLength(42)
param botDisplayName string = 'Presence Sync'

var webAppName = resourceBaseName
var hostName = '${webAppName}.azurewebsites.net'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: resourceBaseName
  location: location
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${resourceBaseName}-kv'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
  }
}

// Key Vault Secrets User for the app's identity.
resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, 'kv-secrets-user')
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview' = {
  name: '${resourceBaseName}-pg'
  location: location
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 32 }
    backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
  }
}

resource postgresDb 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-06-01-preview' = {
  parent: postgres
  name: 'presencesync'
}

// Azure services (the App Service) may connect; tighten with VNet integration for production.
resource postgresAllowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2023-06-01-preview' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource secretDatabaseUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/presencesync?sslmode=require'
  }
}
resource secretEncryptionKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'encryption-key'
  properties: { value: encryptionKey }
}
resource secretBotPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'bot-password'
  properties: { value: botAadAppClientSecret }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'linux'
  sku: { name: webAppSku }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      appCommandLine: 'npm run serve'
      healthCheckPath: '/readyz'
      appSettings: [
        { name: 'NODE_ENV', value: 'production' }
        { name: 'PORT', value: '8080' }
        { name: 'PUBLIC_BASE_URL', value: 'https://${hostName}' }
        { name: 'AAD_APP_CLIENT_ID', value: aadAppClientId }
        { name: 'AAD_APP_RESOURCE', value: 'api://${hostName}/${aadAppClientId}' }
        { name: 'BOT_ID', value: botAadAppClientId }
        { name: 'BOT_TENANT_ID', value: aadAppTenantId }
        { name: 'DATABASE_URL', value: '@Microsoft.KeyVault(SecretUri=${secretDatabaseUrl.properties.secretUri})' }
        { name: 'ENCRYPTION_KEY', value: '@Microsoft.KeyVault(SecretUri=${secretEncryptionKey.properties.secretUri})' }
        { name: 'BOT_PASSWORD', value: '@Microsoft.KeyVault(SecretUri=${secretBotPassword.properties.secretUri})' }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        // glibc: two malloc arenas instead of one per thread (about 25 MB less RSS at 10,000 agents; README, Benchmarks)
        { name: 'MALLOC_ARENA_MAX', value: '2' }
      ]
    }
  }
  dependsOn: [vaultReader]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: resourceBaseName
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${hostName}/api/messages'
    msaAppId: botAadAppClientId
    msaAppTenantId: aadAppTenantId
    msaAppType: 'SingleTenant'
  }
}

resource botTeamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: { channelName: 'MsTeamsChannel' }
}

// Persisted into env/.env.<env> by arm/deploy.
output AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output TAB_DOMAIN string = hostName
output TAB_ENDPOINT string = 'https://${hostName}'
output BOT_ENDPOINT string = 'https://${hostName}'
output BOT_ID string = botAadAppClientId
