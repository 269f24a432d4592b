import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SNSClient } from '@aws-sdk/client-sns'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { environmentCredentials } from './credentials'

// SDK clients live once per container: created on first use (so tests can set the endpoint environment
// first), then reused by every invocation with their keep-alive connections.
let sqs: SQSClient | undefined
let dynamodb: DynamoDBClient | undefined
let sns: SNSClient | undefined
let documentClient: DynamoDBDocumentClient | undefined

/** The container's SQS client (endpoint from AWS_ENDPOINT_URL_SQS when set). */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ credentials: environmentCredentials })
  return sqs
}

/** The container's SNS client (endpoint from AWS_ENDPOINT_URL_SNS when set). */
export function snsClient(): SNSClient {
  sns ??= new SNSClient({ credentials: environmentCredentials })
  return sns
}

/**
 * The container's DynamoDB client (endpoint from AWS_ENDPOINT_URL_DYNAMODB when set), shared by the ledger's document
 * client and Powertools idempotency: one connection pool.
 */
export function dynamoDbClient(): DynamoDBClient {
  dynamodb ??= new DynamoDBClient({ credentials: environmentCredentials })
  return dynamodb
}

/** The container's DynamoDB document client, over {@link dynamoDbClient}. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(dynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true },
  })
  return documentClient
}
