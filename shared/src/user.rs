use serde::{Deserialize, Serialize};

/// What a user may do. Each group includes the rights of the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Reads and searches.
    Viewer,
    /// Also uploads, re-analyses, deletes assets and manages faces.
    Creator,
    /// Also manages users and settings.
    Admin,
}

impl Group {
    pub const ALL: [Group; 3] = [Self::Viewer, Self::Creator, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Creator => "creator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == text)
    }

    /// The strongest of several groups (Cognito users may be in more than one).
    pub fn highest<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        names.into_iter().filter_map(Self::parse).max()
    }
}

/// `GET /api/me`, items of `GET /api/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub username: String,
    pub email: String,
    pub groups: Vec<Group>,
}

impl User {
    /// The group that decides what this user may do.
    pub fn group(&self) -> Group {
        self.groups.iter().copied().max().unwrap_or(Group::Viewer)
    }
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/auth/refresh` and `POST /api/auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
    pub user: User,
}

/// `POST /api/users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    pub username: String,
    pub email: String,
    pub group: Group,
    /// Leave out to invite: a temporary password is generated and returned once.
    pub password: Option<String>,
}

/// `POST /api/users` answer: the user, and the generated password when none was given.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub temporary_password: Option<String>,
}

/// `PUT /api/users/{username}/group`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetGroupRequest {
    pub group: Group,
}

/// `PUT /api/users/{username}/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPasswordRequest {
    pub password: String,
}

/// `GET /api/users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    pub items: Vec<User>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_ordered_by_rights() {
        assert!(Group::Admin > Group::Creator && Group::Creator > Group::Viewer);
        assert_eq!(Group::highest(["viewer", "admin", "other"]), Some(Group::Admin));
        assert_eq!(Group::highest(["other"]), None);
    }

    #[test]
    fn created_user_flattens_and_hides_an_absent_password() {
        let user = User { username: "ada".into(), email: "ada@example.org".into(), groups: vec![Group::Viewer] };
        let json = serde_json::to_value(CreatedUser { user, temporary_password: None }).unwrap();
        assert_eq!(json["username"], "ada");
        assert_eq!(json["groups"][0], "viewer");
        assert!(json.get("temporary_password").is_none());
    }
}
