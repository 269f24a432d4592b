import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec'

/**
 * The part of the CloudFormation resource specification the template validator reads, from the database the AWS
 * CDK is generated from (`@aws-cdk/aws-service-spec`): resource types, their properties (type, required) and
 * their `Fn::GetAtt` attributes.
 */

/** A property's type, as the spec database writes it (its `ref` types point at property-type definitions). */
export type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] }

export interface SpecProperty {
  type: SpecType
  /** Types the property had before: CloudFormation still accepts them. */
  previousTypes?: SpecType[]
  required?: boolean
}

export interface SpecResource {
  cloudFormationType: string
  properties: Record<string, SpecProperty>
  attributes: Record<string, unknown>
}

export interface SpecTypeDefinition {
  name: string
  properties: Record<string, SpecProperty>
}

/** What the validator needs to know about resource types. */
export interface ResourceSpec {
  resource(cloudFormationType: string): SpecResource | undefined
  typeDefinition(reference: { $ref: string }): SpecTypeDefinition | undefined
}

let loaded: ResourceSpec | undefined

/** The built-in specification (loaded once: the database takes ~0.5 s to read). */
export function awsResourceSpec(): ResourceSpec {
  if (loaded) return loaded
  const db = loadAwsServiceSpecSync()
  const resources = new Map<string, SpecResource>()
  for (const resource of db.all('resource')) {
    resources.set(resource.cloudFormationType, resource as unknown as SpecResource)
  }
  loaded = {
    resource: (cloudFormationType) => resources.get(cloudFormationType),
    typeDefinition: (reference) => {
      try {
        return db.get('typeDefinition', reference.$ref) as unknown as SpecTypeDefinition
      } catch {
        return undefined
      }
    },
  }
  return loaded
}
