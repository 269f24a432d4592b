import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import dynalite from 'dynalite'
import { ledgerTableDefinition } from '../../lib/ledger/schema'

/** A dynalite server on a free loopback port with the ledger table created; stop() closes it. */
export async function startLedgerDynamo(tableName = 'ledger-test') {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)))
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  })
  return {
    tableName,
    client,
    documentClient,
    stop: async () => {
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
